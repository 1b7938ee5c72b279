#!/usr/bin/env python3
"""Writes the PyTorch oracle fixtures that tests/CellDsl.Tests/Interop reads.

Usage:  python3 tests/scripts/make_torch_fixtures.py tests/CellDsl.Tests/Fixtures/torch

Needs torch and numpy only. The tests read the committed files, so CI needs neither; rerun this only to
change or extend the fixtures, and commit what it writes.

For nn.LSTM and nn.GRU (one layer, I=5, H=7, T=4, B=3) each fixture holds, under these names:
  weight_ih_l0, weight_hh_l0, bias_ih_l0, bias_hh_l0   the module's state_dict, PyTorch's names and layout
  x [T,B,I] (sequence first), h0 [1,B,H], c0 [1,B,H] (LSTM only)
  output [T,B,H], h_n [1,B,H], c_n [1,B,H] (LSTM only)
  w_output [T,B,H], w_h_n [1,B,H], w_c_n [1,B,H]       weights of the loss
        L = sum(w_output*output) + sum(w_h_n*h_n) (+ sum(w_c_n*c_n))
  grad.NAME for every state_dict tensor, grad.x, grad.h0, grad.c0 (LSTM only)   dL/d each input
Every fixture exists in float32 (computed in float32) and float64 (computed in float64, same values).

For two-layer nn.LSTM and nn.GRU with bidirectional=True over a padded batch of lengths [4, 1, 3] (packed with
pack_padded_sequence, zero initial states; I=5, H=7, T=4, B=3), lstm_bi_f64.npz and gru_bi_f64.npz hold:
  the state_dict (weight_ih_lK, ..., and the backward direction's weight_ih_lK_reverse, ...)
  x [T,B,I] (padding filled with 9s, which must not matter), lengths [B]
  output [T,B,2H] (zero past each length), h_n [4,B,H] (layer K direction D at 2K+D)
  w_output [T,B,2H], w_h_n [2,B,H]   L = sum(w_output*output) + sum(w_h_n*h_n[2:])
  grad.NAME for every state_dict tensor, grad.x

Also written: small files in other formats and dtypes (npy versions 1.0/2.0/3.0, float16, bfloat16), so the
readers are tested on files that numpy and a safetensors writer produce rather than on their own output.
"""
import json
import os
import struct
import sys

import numpy as np
import torch

I, H, T, B = 5, 7, 4, 3
SEED = 20240607


def make_module(kind, dtype):
    """The module with fixed weights: PyTorch's default init plus larger random biases, so every bias matters."""
    torch.manual_seed(SEED)
    module = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[kind](input_size=I, hidden_size=H, num_layers=1)
    module = module.double()  # draw everything in float64 first so the float32 fixture is its rounded copy
    with torch.no_grad():
        for name, p in module.named_parameters():
            if name.startswith("bias"):
                p.uniform_(-0.5, 0.5)
    return module.to(dtype)


def inputs(kind, dtype):
    g = torch.Generator().manual_seed(SEED + 1)

    def r(*shape):
        return (torch.rand(*shape, generator=g, dtype=torch.float64) * 2 - 1).to(dtype)

    data = {"x": r(T, B, I), "h0": r(1, B, H)}
    if kind == "lstm":
        data["c0"] = r(1, B, H)
    data["w_output"] = r(T, B, H)
    data["w_h_n"] = r(1, B, H)
    if kind == "lstm":
        data["w_c_n"] = r(1, B, H)
    return data


def fixture(kind, dtype):
    module = make_module(kind, dtype)
    data = inputs(kind, dtype)
    leaves = {name: t.clone().requires_grad_(True) for name, t in data.items() if name in ("x", "h0", "c0")}
    if kind == "lstm":
        output, (h_n, c_n) = module(leaves["x"], (leaves["h0"], leaves["c0"]))
        loss = (data["w_output"] * output).sum() + (data["w_h_n"] * h_n).sum() + (data["w_c_n"] * c_n).sum()
    else:
        output, h_n = module(leaves["x"], leaves["h0"])
        loss = (data["w_output"] * output).sum() + (data["w_h_n"] * h_n).sum()
    params = dict(module.named_parameters())
    wrt = list(params.values()) + list(leaves.values())
    grads = torch.autograd.grad(loss, wrt)

    out = {name: t.detach() for name, t in module.state_dict().items()}
    out.update(data)
    out["output"] = output.detach()
    out["h_n"] = h_n.detach()
    if kind == "lstm":
        out["c_n"] = c_n.detach()
    for name, g in zip(list(params) + list(leaves), grads):
        out["grad." + name] = g
    return {name: t.contiguous().numpy() for name, t in out.items()}


LENGTHS = [4, 1, 3]


def bidirectional_fixture(kind):
    """A padded, packed batch through a two-layer bidirectional module, in float64."""
    torch.manual_seed(SEED + 2)
    module = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[kind](input_size=I, hidden_size=H, num_layers=2, bidirectional=True).double()
    with torch.no_grad():
        for name, p in module.named_parameters():
            if name.startswith("bias"):
                p.uniform_(-0.5, 0.5)
    g = torch.Generator().manual_seed(SEED + 3)

    def r(*shape):
        return torch.rand(*shape, generator=g, dtype=torch.float64) * 2 - 1

    x = r(T, B, I)
    for b, n in enumerate(LENGTHS):
        x[n:, b] = 9.0
    data = {"x": x, "w_output": r(T, B, 2 * H), "w_h_n": r(2, B, H)}
    leaf = x.clone().requires_grad_(True)
    lengths = torch.tensor(LENGTHS)
    packed = torch.nn.utils.rnn.pack_padded_sequence(leaf, lengths, enforce_sorted=False)
    result, state = module(packed)
    h_n = state[0] if kind == "lstm" else state
    output, _ = torch.nn.utils.rnn.pad_packed_sequence(result, total_length=T)
    loss = (data["w_output"] * output).sum() + (data["w_h_n"] * h_n[2:]).sum()
    params = dict(module.named_parameters())
    grads = torch.autograd.grad(loss, list(params.values()) + [leaf])
    out = {name: t.detach() for name, t in module.state_dict().items()}
    out.update(data)
    out["lengths"] = lengths.double()
    out["output"] = output.detach()
    out["h_n"] = h_n.detach()
    for name, grad in zip(list(params) + ["x"], grads):
        out["grad." + name] = grad
    return {name: t.contiguous().numpy() for name, t in out.items()}


def write_safetensors(path, tensors, metadata=None):
    """The safetensors layout, written by hand: u64 LE header size, JSON header, then the tensors' bytes."""
    codes = {np.dtype("<f2"): "F16", np.dtype("<f4"): "F32", np.dtype("<f8"): "F64"}
    header, blobs, offset = {}, [], 0
    if metadata:
        header["__metadata__"] = metadata
    for name, value in tensors.items():
        if isinstance(value, torch.Tensor) and value.dtype == torch.bfloat16:
            dtype, raw = "BF16", value.contiguous().view(torch.int16).numpy().astype("<i2").tobytes()
            shape = list(value.shape)
        else:
            arr = np.ascontiguousarray(value)
            dtype, raw, shape = codes[arr.dtype.newbyteorder("<")], arr.astype(arr.dtype.newbyteorder("<")).tobytes(), list(arr.shape)
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-(8 + len(text)) % 8)  # the reference writer pads so the data starts 8-byte aligned
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for raw in blobs:
            f.write(raw)


def write_formats(outdir):
    values = np.array([[0.0, 1.0, -2.5, 3.140625], [65504.0, -0.0009765625, 1e-3, 0.333251953125]], dtype="<f8")
    for version in ((1, 0), (2, 0), (3, 0)):
        with open(os.path.join(outdir, "formats_v%d.npy" % version[0]), "wb") as f:
            np.lib.format.write_array(f, values.astype("<f4"), version=version)
    np.savez(os.path.join(outdir, "formats_dtypes.npz"),
             f16=values.astype("<f2"), f32=values.astype("<f4"), f64=values,
             scalar=np.array(2.5, dtype="<f8"), empty=np.zeros((0, 3), dtype="<f4"), cube=np.arange(24, dtype="<f4").reshape(2, 3, 4))
    write_safetensors(os.path.join(outdir, "formats_dtypes.safetensors"),
                      {"f16": values.astype("<f2"), "bf16": torch.from_numpy(values).to(torch.bfloat16),
                       "f32": values.astype("<f4"), "f64": values},
                      metadata={"format": "pt", "note": "CellDsl reader fixture"})


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: make_torch_fixtures.py OUTDIR")
    outdir = sys.argv[1]
    os.makedirs(outdir, exist_ok=True)
    torch.set_num_threads(1)
    for kind in ("lstm", "gru"):
        f32 = fixture(kind, torch.float32)
        f64 = fixture(kind, torch.float64)
        np.savez(os.path.join(outdir, kind + "_f32.npz"), **f32)  # stored entries, as numpy.savez writes
        np.savez_compressed(os.path.join(outdir, kind + "_f64.npz"), **f64)  # deflated entries
        # The same float32 data once more as safetensors, so the tests read both formats and compare them.
        write_safetensors(os.path.join(outdir, kind + "_f32.safetensors"), f32, metadata={"format": "pt"})
        np.savez_compressed(os.path.join(outdir, kind + "_bi_f64.npz"), **bidirectional_fixture(kind))
    write_formats(outdir)
    for name in sorted(os.listdir(outdir)):
        print("%-32s %7d bytes" % (name, os.path.getsize(os.path.join(outdir, name))))


if __name__ == "__main__":
    main()
