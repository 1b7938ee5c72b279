using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace CellDsl.Kernels
{
    /// <summary>
    /// One lane-width of float math. Generated fused loops are written once against this interface and run with
    /// <see cref="Simd512"/>, <see cref="Simd256"/> (or <see cref="Simd128"/>) and <see cref="Scalar"/> (the tail), each specialised by the JIT.
    /// Offsets are in floats from the given reference; callers guarantee they are in range.
    /// </summary>
    public interface ISimd<TSelf> where TSelf : struct, ISimd<TSelf>
    {
        static abstract int Count { get; }
        static abstract TSelf Load(ref float source, int offset);
        static abstract void Store(TSelf value, ref float destination, int offset);
        static abstract TSelf Create(float value);
        static abstract TSelf operator +(TSelf a, TSelf b);
        static abstract TSelf operator -(TSelf a, TSelf b);
        static abstract TSelf operator *(TSelf a, TSelf b);
        static abstract TSelf operator -(TSelf a);
        static abstract TSelf Sigmoid(TSelf x);
        static abstract TSelf Tanh(TSelf x);
        static abstract TSelf Relu(TSelf x);
        /// <summary><paramref name="y"/> &gt; 0 ? <paramref name="d"/> : 0 — ReLU's derivative applied to d.</summary>
        static abstract TSelf ReluMask(TSelf y, TSelf d);

        /// <summary>destination[offset..] += value.</summary>
        static virtual void AddTo(ref float destination, int offset, TSelf value)
            => TSelf.Store(TSelf.Load(ref destination, offset) + value, ref destination, offset);
    }

    /// <summary>16 floats in a zmm register (AVX-512).</summary>
    public readonly struct Simd512 : ISimd<Simd512>
    {
        public readonly Vector512<float> V;
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public Simd512(Vector512<float> v) => V = v;
        public static int Count => Vector512<float>.Count;
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Simd512 Load(ref float source, int offset) => new(Vector512.LoadUnsafe(ref source, (nuint)offset));
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Store(Simd512 value, ref float destination, int offset) => value.V.StoreUnsafe(ref destination, (nuint)offset);
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Simd512 Create(float value) => new(Vector512.Create(value));
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Simd512 operator +(Simd512 a, Simd512 b) => new(a.V + b.V);
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Simd512 operator -(Simd512 a, Simd512 b) => new(a.V - b.V);
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Simd512 operator *(Simd512 a, Simd512 b) => new(a.V * b.V);
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Simd512 operator -(Simd512 a) => new(-a.V);
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Simd512 Sigmoid(Simd512 x) => new(Activations.Sigmoid(x.V));
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Simd512 Tanh(Simd512 x) => new(Activations.Tanh(x.V));
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Simd512 Relu(Simd512 x) => new(Vector512.Max(x.V, Vector512<float>.Zero));
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Simd512 ReluMask(Simd512 y, Simd512 d) => new(Vector512.ConditionalSelect(Vector512.GreaterThan(y.V, Vector512<float>.Zero), d.V, Vector512<float>.Zero));
    }

    /// <summary>8 floats in a ymm register (AVX2), for machines without AVX-512 and for the remainder of a row.</summary>
    public readonly struct Simd256 : ISimd<Simd256>
    {
        public readonly Vector256<float> V;
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public Simd256(Vector256<float> v) => V = v;
        public static int Count => Vector256<float>.Count;
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Simd256 Load(ref float source, int offset) => new(Vector256.LoadUnsafe(ref source, (nuint)offset));
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Store(Simd256 value, ref float destination, int offset) => value.V.StoreUnsafe(ref destination, (nuint)offset);
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Simd256 Create(float value) => new(Vector256.Create(value));
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Simd256 operator +(Simd256 a, Simd256 b) => new(a.V + b.V);
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Simd256 operator -(Simd256 a, Simd256 b) => new(a.V - b.V);
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Simd256 operator *(Simd256 a, Simd256 b) => new(a.V * b.V);
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Simd256 operator -(Simd256 a) => new(-a.V);
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Simd256 Sigmoid(Simd256 x) => new(Activations.Sigmoid(x.V));
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Simd256 Tanh(Simd256 x) => new(Activations.Tanh(x.V));
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Simd256 Relu(Simd256 x) => new(Vector256.Max(x.V, Vector256<float>.Zero));
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Simd256 ReluMask(Simd256 y, Simd256 d) => new(Vector256.ConditionalSelect(Vector256.GreaterThan(y.V, Vector256<float>.Zero), d.V, Vector256<float>.Zero));
    }

    /// <summary>4 floats in an xmm (or Arm NEON) register: machines with 128-bit vectors only, and a forced width in tests.</summary>
    public readonly struct Simd128 : ISimd<Simd128>
    {
        public readonly Vector128<float> V;
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public Simd128(Vector128<float> v) => V = v;
        public static int Count => Vector128<float>.Count;
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Simd128 Load(ref float source, int offset) => new(Vector128.LoadUnsafe(ref source, (nuint)offset));
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Store(Simd128 value, ref float destination, int offset) => value.V.StoreUnsafe(ref destination, (nuint)offset);
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Simd128 Create(float value) => new(Vector128.Create(value));
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Simd128 operator +(Simd128 a, Simd128 b) => new(a.V + b.V);
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Simd128 operator -(Simd128 a, Simd128 b) => new(a.V - b.V);
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Simd128 operator *(Simd128 a, Simd128 b) => new(a.V * b.V);
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Simd128 operator -(Simd128 a) => new(-a.V);
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Simd128 Sigmoid(Simd128 x) => new(Activations.Sigmoid(x.V));
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Simd128 Tanh(Simd128 x) => new(Activations.Tanh(x.V));
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Simd128 Relu(Simd128 x) => new(Vector128.Max(x.V, Vector128<float>.Zero));
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Simd128 ReluMask(Simd128 y, Simd128 d) => new(Vector128.ConditionalSelect(Vector128.GreaterThan(y.V, Vector128<float>.Zero), d.V, Vector128<float>.Zero));
    }

    /// <summary>One float: the tail of a row shorter than a vector, and machines without SIMD.</summary>
    public readonly struct Scalar : ISimd<Scalar>
    {
        public readonly float V;
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public Scalar(float v) => V = v;
        public static int Count => 1;
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Scalar Load(ref float source, int offset) => new(Unsafe.Add(ref source, offset));
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(Scalar value, ref float destination, int offset) => Unsafe.Add(ref destination, offset) = value.V;
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Scalar Create(float value) => new(value);
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Scalar operator +(Scalar a, Scalar b) => new(a.V + b.V);
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Scalar operator -(Scalar a, Scalar b) => new(a.V - b.V);
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Scalar operator *(Scalar a, Scalar b) => new(a.V * b.V);
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Scalar operator -(Scalar a) => new(-a.V);
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Scalar Sigmoid(Scalar x) => new(Activations.Sigmoid(x.V));
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Scalar Tanh(Scalar x) => new(Activations.Tanh(x.V));
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Scalar Relu(Scalar x) => new(MathF.Max(x.V, 0f));
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Scalar ReluMask(Scalar y, Scalar d) => new(y.V > 0f ? d.V : 0f);
    }
}
