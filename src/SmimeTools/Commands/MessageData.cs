using System;
using System.Management.Automation;

namespace SmimeTools.Commands
{
    /// <summary>
    /// What -InputObject takes: MIME text, bytes, or a result of another SmimeTools cmdlet. A type of its own (not
    /// object) so that files piped from Get-ChildItem bind to -LiteralPath by PSPath first; anything else is
    /// converted here and sorted out per message.
    /// </summary>
    public sealed class MessageData
    {
        public MessageData(object value)
        {
            Value = value is PSObject wrapped ? wrapped.BaseObject : value ?? throw new ArgumentNullException(nameof(value));
        }

        public object Value { get; }

        public override string ToString() => Value.ToString() ?? string.Empty;
    }
}
