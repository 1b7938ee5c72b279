using System;
using System.Collections;
using System.Collections.Generic;

namespace CellDsl.Compiler
{
    /// <summary>
    /// An immutable array with structural equality. Incremental generators cache on model equality,
    /// and <c>T[]</c> or <c>ImmutableArray&lt;T&gt;</c> compare by reference, which would defeat caching.
    /// </summary>
    public readonly struct EquatableArray<T> : IEquatable<EquatableArray<T>>, IReadOnlyList<T>
        where T : IEquatable<T>
    {
        private readonly T[]? _items;

        public EquatableArray(T[] items) => _items = items;

        public EquatableArray(IEnumerable<T> items) => _items = new List<T>(items).ToArray();

        public static EquatableArray<T> Empty => new EquatableArray<T>(Array.Empty<T>());

        public int Count => _items?.Length ?? 0;

        public T this[int index] => _items![index];

        public T[] ToArray() => _items is null ? Array.Empty<T>() : (T[])_items.Clone();

        public bool Equals(EquatableArray<T> other)
        {
            int n = Count;
            if (n != other.Count) return false;
            for (int i = 0; i < n; i++)
            {
                if (!EqualityComparer<T>.Default.Equals(_items![i], other._items![i])) return false;
            }
            return true;
        }

        public override bool Equals(object? obj) => obj is EquatableArray<T> other && Equals(other);

        public override int GetHashCode()
        {
            int hash = 17;
            for (int i = 0; i < Count; i++)
                hash = unchecked(hash * 31 + EqualityComparer<T>.Default.GetHashCode(_items![i]!));
            return hash;
        }

        public static bool operator ==(EquatableArray<T> left, EquatableArray<T> right) => left.Equals(right);
        public static bool operator !=(EquatableArray<T> left, EquatableArray<T> right) => !left.Equals(right);

        public IEnumerator<T> GetEnumerator() => ((IEnumerable<T>)(_items ?? Array.Empty<T>())).GetEnumerator();
        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
    }

    public static class EquatableArray
    {
        public static EquatableArray<T> ToEquatableArray<T>(this IEnumerable<T> items) where T : IEquatable<T>
            => new EquatableArray<T>(items);
    }
}
