using System;

namespace CellDsl.Search.Store
{
    /// <summary>A store that cannot be used as it is: unreachable, not a search store, or of another schema version.
    /// The message names the file or database and says what to do.</summary>
    public sealed class SearchStoreException : Exception
    {
        public SearchStoreException(string message, Exception? inner = null) : base(message, inner) { }
    }
}
