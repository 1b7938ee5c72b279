using System;
using System.Data.Common;
using System.IO;
using Microsoft.Data.Sqlite;

namespace CellDsl.Search.Store
{
    /// <summary>
    /// The default store: one SQLite file the workers of one machine share. The file is in WAL mode, so readers never
    /// wait for the writer: a read-only call runs a deferred transaction, which takes no write lock. Every transaction that
    /// writes takes the write lock at once (BEGIN IMMEDIATE, so a claim cannot race another between reading a pending
    /// job and taking it), and a busy writer is waited for rather than failed.
    /// </summary>
    public sealed class SqliteSearchStore : SqlSearchStore
    {
        private readonly string _connectionString;

        /// <summary>Opens the store in a file, creating the file and its schema if there is none.</summary>
        /// <param name="path">The store's file; its folder must exist.</param>
        /// <param name="busyTimeout">How long a transaction waits for another process's write lock before failing.</param>
        public SqliteSearchStore(string path, TimeSpan? busyTimeout = null)
        {
            ArgumentException.ThrowIfNullOrEmpty(path);
            Path = System.IO.Path.GetFullPath(path);
            Location = $"The search store '{Path}'";
            string? folder = System.IO.Path.GetDirectoryName(Path);
            if (folder is not null && !Directory.Exists(folder))
                throw new SearchStoreException($"{Location} cannot be created: the folder '{folder}' does not exist. Create it or name a file in an existing folder.");
            _connectionString = new SqliteConnectionStringBuilder
            {
                DataSource = Path,
                Mode = SqliteOpenMode.ReadWriteCreate,
                ForeignKeys = true,
                // A connection per transaction; without pooling no handle outlives the store, so its file can be deleted.
                Pooling = false,
                DefaultTimeout = (int)Math.Ceiling((busyTimeout ?? TimeSpan.FromSeconds(30)).TotalSeconds),
            }.ToString();
            try
            {
                using (var connection = Open())
                using (var wal = connection.CreateCommand())
                {
                    // Persistent in the file; outside a transaction, as SQLite requires.
                    wal.CommandText = "PRAGMA journal_mode = WAL";
                    wal.ExecuteNonQuery();
                }
                Initialize();
            }
            catch (SqliteException e)
            {
                throw new SearchStoreException($"{Location} cannot be opened: {e.Message} Name a CellDsl search store or a new file.", e);
            }
        }

        /// <summary>The store's file, as a full path.</summary>
        public string Path { get; }

        public override string Location { get; }

        private protected override DbConnection Open()
        {
            var connection = new SqliteConnection(_connectionString);
            connection.Open();
            return connection;
        }

        // Serializable and not deferred is BEGIN IMMEDIATE.
        private protected override DbTransaction Begin(DbConnection connection) => ((SqliteConnection)connection).BeginTransaction(deferred: false);

        // A deferred transaction that only reads takes no write lock, only a snapshot of the WAL: it waits for no writer.
        private protected override DbTransaction BeginRead(DbConnection connection) => ((SqliteConnection)connection).BeginTransaction(deferred: true);

        // One machine, one clock.
        private protected override long Now(DbTransaction tx) => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

        private protected override string ClaimLock => "";
        private protected override string IdColumn => "INTEGER PRIMARY KEY";
        private protected override string RealColumn => "REAL";

        private protected override bool TableExists(DbTransaction tx, string table)
            => Query(tx, "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = @n", c => Add(c, "@n", table), r => r.GetInt64(0))[0] > 0;
    }
}
