using System;

namespace SmimeTools.Tests.Interop
{
    /// <summary>
    /// xunit class fixture: one <typeparamref name="T"/> (a peer's database or home) shared by the tests of a class,
    /// made by the first test that asks, so that a skip for a missing tool happens inside that test, and disposed when the class is done.
    /// </summary>
    public sealed class ClassScoped<T> : IDisposable
        where T : class, IDisposable
    {
        private readonly object _gate = new();
        private T? _value;

        public T Get(Func<T> create)
        {
            lock (_gate)
            {
                return _value ??= create();
            }
        }

        public void Dispose() => _value?.Dispose();
    }
}
