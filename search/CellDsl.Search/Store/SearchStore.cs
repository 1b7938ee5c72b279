using System;

namespace CellDsl.Search.Store
{
    /// <summary>Opens a store from the text a user gives on the command line (<c>--store</c>).</summary>
    public static class SearchStore
    {
        /// <summary>The prefix that marks a PostgreSQL store: <c>postgres:Host=db;Database=search;Username=me</c>.</summary>
        public const string PostgresPrefix = "postgres:";

        /// <summary>A PostgreSQL store for <c>postgres:</c> followed by an Npgsql connection string, else an SQLite file.</summary>
        public static ISearchStore Open(string location)
        {
            ArgumentException.ThrowIfNullOrEmpty(location);
            return location.StartsWith(PostgresPrefix, StringComparison.OrdinalIgnoreCase)
                ? new PostgresSearchStore(location[PostgresPrefix.Length..])
                : new SqliteSearchStore(location);
        }
    }
}
