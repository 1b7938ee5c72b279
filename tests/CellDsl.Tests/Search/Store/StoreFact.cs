using CellDsl.Search.Store;
using Xunit;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace CellDsl.Tests.Search.Store;

/// <summary>A test class that needs a PostgreSQL server: its tests run when CELLDSL_TEST_POSTGRES holds an Npgsql
/// connection string (`.ci/run` starts a throwaway cluster and sets it) and are skipped, with the reason, otherwise.</summary>
public interface INeedsPostgres
{
    public const string Variable = "CELLDSL_TEST_POSTGRES";

    public static string? ConnectionString => Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } s ? s : null;

    public static string? SkipReason => ConnectionString is null
        ? $"{Variable} is not set; point it at a PostgreSQL server (Host=...;Port=...;Username=...;Database=...) to test the PostgreSQL store. .ci/run starts one."
        : null;
}

/// <summary>A fact declared once in an abstract test class and run for each store subclass; skipped for the
/// PostgreSQL subclasses when no server is configured. (A plain [Fact] cannot see which subclass it runs in.)</summary>
[XunitTestCaseDiscoverer("CellDsl.Tests.Search.Store.StoreFactDiscoverer", "CellDsl.Tests")]
[AttributeUsage(AttributeTargets.Method)]
public sealed class StoreFactAttribute : FactAttribute { }

public sealed class StoreFactDiscoverer(IMessageSink sink) : IXunitTestCaseDiscoverer
{
    public IEnumerable<IXunitTestCase> Discover(ITestFrameworkDiscoveryOptions options, ITestMethod testMethod, IAttributeInfo factAttribute)
        => [new StoreTestCase(sink, options.MethodDisplayOrDefault(), options.MethodDisplayOptionsOrDefault(), testMethod)];
}

public sealed class StoreTestCase : XunitTestCase
{
    [Obsolete("For the deserializer only.", error: true)]
    public StoreTestCase() { }

    public StoreTestCase(IMessageSink sink, TestMethodDisplay display, TestMethodDisplayOptions displayOptions, ITestMethod method)
        : base(sink, display, displayOptions, method) { }

    protected override string GetSkipReason(IAttributeInfo factAttribute)
    {
        var type = (TestMethod.TestClass.Class as IReflectionTypeInfo)?.Type;
        return type is not null && typeof(INeedsPostgres).IsAssignableFrom(type) && INeedsPostgres.SkipReason is { } reason
            ? reason
            : base.GetSkipReason(factAttribute);
    }
}

/// <summary>A fresh schema of the configured PostgreSQL database per test, dropped afterwards, so tests do not see
/// each other's jobs.</summary>
public sealed class PostgresScratch : IDisposable
{
    private readonly string _admin;

    public PostgresScratch()
    {
        _admin = INeedsPostgres.ConnectionString ?? throw new InvalidOperationException(INeedsPostgres.SkipReason);
        Schema = "celldsl_test_" + Guid.NewGuid().ToString("N");
        Run($"CREATE SCHEMA {Schema}");
        ConnectionString = new Npgsql.NpgsqlConnectionStringBuilder(_admin) { SearchPath = Schema }.ToString();
    }

    public string Schema { get; }

    /// <summary>The connection string of a store in this schema.</summary>
    public string ConnectionString { get; }

    public void Run(string sql)
    {
        using var connection = new Npgsql.NpgsqlConnection(_admin);
        connection.Open();
        using var command = new Npgsql.NpgsqlCommand(sql, connection);
        command.ExecuteNonQuery();
    }

    public void Dispose() => Run($"DROP SCHEMA IF EXISTS {Schema} CASCADE");
}
