using System;
using System.Buffers.Binary;
using System.IO;

namespace CellDsl.IO
{
    /// <summary>Little-endian encoding of the element types, shared by the .npy and safetensors code.</summary>
    internal static class Elements
    {
        public static int Size(ElementType type) => type switch
        {
            ElementType.Float16 or ElementType.BFloat16 => 2,
            ElementType.Float32 => 4,
            _ => 8,
        };

        public static double[] Decode(ReadOnlySpan<byte> bytes, ElementType type)
        {
            int size = Size(type);
            var r = new double[bytes.Length / size];
            for (int i = 0; i < r.Length; i++)
            {
                var b = bytes.Slice(i * size, size);
                r[i] = type switch
                {
                    ElementType.Float16 => (double)BinaryPrimitives.ReadHalfLittleEndian(b),
                    ElementType.BFloat16 => BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadUInt16LittleEndian(b) << 16),
                    ElementType.Float32 => BinaryPrimitives.ReadSingleLittleEndian(b),
                    _ => BinaryPrimitives.ReadDoubleLittleEndian(b),
                };
            }
            return r;
        }

        public static byte[] Encode(ReadOnlySpan<double> values, ElementType type)
        {
            int size = Size(type);
            var bytes = new byte[checked(values.Length * size)];
            for (int i = 0; i < values.Length; i++)
            {
                var b = bytes.AsSpan(i * size, size);
                switch (type)
                {
                    case ElementType.Float16: BinaryPrimitives.WriteHalfLittleEndian(b, (Half)values[i]); break;
                    case ElementType.BFloat16: BinaryPrimitives.WriteUInt16LittleEndian(b, ToBFloat16((float)values[i])); break;
                    case ElementType.Float32: BinaryPrimitives.WriteSingleLittleEndian(b, (float)values[i]); break;
                    default: BinaryPrimitives.WriteDoubleLittleEndian(b, values[i]); break;
                }
            }
            return bytes;
        }

        /// <summary>Rounds to the nearest bfloat16, ties to even, as torch's conversion does.</summary>
        private static ushort ToBFloat16(float value)
        {
            uint bits = BitConverter.SingleToUInt32Bits(value);
            if (float.IsNaN(value)) return (ushort)((bits >> 16) | 0x40); // keep the sign, stay a (quiet) NaN
            bits += 0x7FFFu + ((bits >> 16) & 1u);
            return (ushort)(bits >> 16);
        }

        /// <summary>Reads up to <paramref name="count"/> bytes (callers check it fits an array); fewer only where the stream ends.</summary>
        public static byte[] ReadUpTo(Stream stream, int count, out int read)
        {
            var buffer = new byte[count];
            read = stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
            return buffer;
        }
    }
}
