using System;
using System.Collections.Generic;

namespace CellDsl.IO
{
    /// <summary>Element types the tensor readers and writers understand. In memory every one is held as double.</summary>
    public enum ElementType
    {
        Float16,
        /// <summary>bfloat16: float32's upper 16 bits. safetensors stores it; .npy has no such type.</summary>
        BFloat16,
        Float32,
        Float64,
    }

    /// <summary>
    /// A named n-dimensional array in C (row-major) order, as read from or written to .npy, .npz and .safetensors.
    /// Values are held as double whatever the file's type (every supported type converts exactly);
    /// <see cref="ElementType"/> records the type it came from and the type a writer stores.
    /// </summary>
    public sealed class NdArray
    {
        public NdArray(string name, int[] shape, double[] data, ElementType elementType = ElementType.Float64)
        {
            ArgumentNullException.ThrowIfNull(name);
            ArgumentNullException.ThrowIfNull(shape);
            ArgumentNullException.ThrowIfNull(data);
            if (!Enum.IsDefined(elementType)) throw new ArgumentOutOfRangeException(nameof(elementType), elementType, "Unknown element type.");
            long count = ElementCount(shape) ?? throw new ArgumentException($"Array '{name}': shape {Format(shape)} has a negative or too large dimension.", nameof(shape));
            if (count != data.Length)
                throw new ArgumentException($"Array '{name}': shape {Format(shape)} holds {count} values, but {data.Length} were given.", nameof(data));
            Name = name;
            _shape = (int[])shape.Clone();
            Data = data;
            ElementType = elementType;
        }

        private readonly int[] _shape;

        public string Name { get; }

        /// <summary>Dimensions, outermost first; empty for a scalar.</summary>
        public IReadOnlyList<int> Shape => _shape;

        /// <summary>The values in row-major order (not copied: changes show through).</summary>
        public double[] Data { get; }

        public ElementType ElementType { get; }

        public int Rank => Shape.Count;

        public int Length => Data.Length;

        /// <summary>The shape as "[28, 5]", the form every message uses.</summary>
        public string ShapeText => Format(Shape);

        /// <summary>A float32 array from floats (e.g. a cell's parameters), copied.</summary>
        public static NdArray FromFloats(string name, int[] shape, ReadOnlySpan<float> values)
        {
            var data = new double[values.Length];
            for (int i = 0; i < data.Length; i++) data[i] = values[i];
            return new NdArray(name, shape, data, ElementType.Float32);
        }

        /// <summary>The values rounded to float32.</summary>
        public float[] ToFloats()
        {
            var r = new float[Data.Length];
            for (int i = 0; i < r.Length; i++) r[i] = (float)Data[i];
            return r;
        }

        /// <summary>The same values under another name.</summary>
        public NdArray Rename(string name) => new(name, _shape, Data, ElementType);

        public override string ToString() => $"{Name} {ElementType} {ShapeText}";

        /// <summary>Number of elements of <paramref name="shape"/>, or null when a dimension is negative or the count exceeds an array.</summary>
        internal static long? ElementCount(IReadOnlyList<long> shape)
        {
            long count = 1;
            foreach (long d in shape)
            {
                if (d < 0 || d > int.MaxValue) return null;
                if (d != 0 && count > Array.MaxLength / d) return null;
                count *= d;
            }
            return count;
        }

        internal static long? ElementCount(IReadOnlyList<int> shape)
        {
            var longs = new long[shape.Count];
            for (int i = 0; i < longs.Length; i++) longs[i] = shape[i];
            return ElementCount(longs);
        }

        internal static string Format<T>(IReadOnlyList<T> shape) => "[" + string.Join(", ", shape) + "]";
    }
}
