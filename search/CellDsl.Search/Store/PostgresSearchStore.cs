using System;
using System.Data.Common;
using Npgsql;

namespace CellDsl.Search.Store
{
    /// <summary>
    /// The store for a search whose workers run on several machines: a PostgreSQL database (or a schema of one, named
    /// by the connection string's Search Path). A claim locks its row with FOR UPDATE SKIP LOCKED, so concurrent
    /// claims take different jobs without waiting on each other, and leases run on the server's clock, so machines
    /// whose clocks disagree still agree on when a lease expires.
    /// </summary>
    public sealed class PostgresSearchStore : SqlSearchStore
    {
        // Any fixed number: the advisory lock that serializes schema creation between workers starting together.
        private const long SchemaLockKey = 0x43656C6C44736C;

        private readonly NpgsqlDataSource _source;

        /// <summary>Opens the store the Npgsql connection string names, creating its tables if there are none.</summary>
        public PostgresSearchStore(string connectionString)
        {
            ArgumentException.ThrowIfNullOrEmpty(connectionString);
            NpgsqlConnectionStringBuilder builder;
            try { builder = new NpgsqlConnectionStringBuilder(connectionString); }
            catch (ArgumentException e)
            {
                throw new SearchStoreException($"'{connectionString}' is not an Npgsql connection string ({e.Message}); write it as Host=...;Port=...;Database=...;Username=....", e);
            }
            // Named without the password.
            Location = $"The PostgreSQL search store '{builder.Database}' on {builder.Host}:{builder.Port}"
                + (string.IsNullOrEmpty(builder.SearchPath) ? "" : $" (schema {builder.SearchPath})");
            _source = NpgsqlDataSource.Create(builder);
            try
            {
                Initialize();
            }
            catch (NpgsqlException e)
            {
                _source.Dispose();
                throw new SearchStoreException($"{Location} cannot be opened: {e.Message}. Check that the server runs and the connection string's database, user and password.", e);
            }
            catch
            {
                _source.Dispose();
                throw;
            }
        }

        public override string Location { get; }

        private protected override DbConnection Open() => _source.OpenConnection();

        private protected override DbTransaction Begin(DbConnection connection) => connection.BeginTransaction();

        private protected override long Now(DbTransaction tx)
            => Query(tx, "SELECT (EXTRACT(EPOCH FROM clock_timestamp()) * 1000)::bigint", null, r => r.GetInt64(0))[0];

        private protected override string ClaimLock => "FOR UPDATE SKIP LOCKED";
        private protected override string IdColumn => "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY";
        private protected override string RealColumn => "DOUBLE PRECISION";

        // to_regclass resolves the name through the search path, so it finds the tables where the store creates them.
        private protected override bool TableExists(DbTransaction tx, string table)
            => Query(tx, "SELECT CASE WHEN to_regclass(@n) IS NULL THEN 0 ELSE 1 END::bigint", c => Add(c, "@n", table), r => r.GetInt64(0))[0] > 0;

        private protected override void LockSchema(DbTransaction tx)
            => Query(tx, "SELECT pg_advisory_xact_lock(@k)", c => Add(c, "@k", SchemaLockKey), _ => 0);

        public override void Dispose()
        {
            _source.Dispose();
            base.Dispose();
        }
    }
}
