using CellDsl.Zoo;

namespace CellDsl.Benchmarks;

/// <summary>L layers of one zoo cell, input = hidden = H, the shape the peers run: layer l+1 reads layer l's outputs.</summary>
public sealed class CellStack
{
    private readonly IRecurrentCell[] _cells;
    private readonly CellWorkspace[] _ws;
    private readonly float[][] _dInputs;

    public CellStack(string cell, int layers, int steps, int batch, int hidden)
    {
        _cells = new IRecurrentCell[layers];
        _ws = new CellWorkspace[layers];
        _dInputs = new float[layers][];
        for (int l = 0; l < layers; l++)
        {
            _cells[l] = CellZoo.Get(cell).Create(hidden, hidden, 1 + l);
            _ws[l] = _cells[l].CreateWorkspace(steps, batch);
            _dInputs[l] = new float[steps * batch * hidden];
        }
        Input = new float[steps * batch * hidden];
        DOutput = new float[steps * batch * hidden];
        new CellRandom(11).FillUniform(Input, -1f, 1f);
        new CellRandom(12).FillUniform(DOutput, -1f, 1f);
    }

    public float[] Input { get; }
    public float[] DOutput { get; }

    public void Forward()
    {
        _cells[0].Forward(_ws[0], Input);
        for (int l = 1; l < _cells.Length; l++) _cells[l].Forward(_ws[l], _ws[l - 1].Output);
    }

    /// <summary>Backward through every layer, down to dL/dx of the first (as the peers compute it).</summary>
    public void Backward()
    {
        ReadOnlySpan<float> dy = DOutput;
        for (int l = _cells.Length - 1; l >= 0; l--)
        {
            _cells[l].Backward(_ws[l], dy, default, _dInputs[l]);
            dy = _dInputs[l];
        }
    }
}
