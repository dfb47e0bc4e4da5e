using System;
using System.Collections.Generic;

namespace SmimeTools.Engine.Operations
{
    /// <summary>
    /// Where the layer walker is in a message: the MIME path ("1.2", "1 >1" inside an opened layer), how deep, and
    /// the marks that the layers around it left (a visitor's own notes, such as which signatures cover this part).
    /// </summary>
    internal sealed class LayerPosition
    {
        private readonly object[] _marks;

        private LayerPosition(string path, int depth, object[] marks)
        {
            Path = path;
            Depth = depth;
            _marks = marks;
        }

        /// <summary>The message body, or the whole of a bare CMS file.</summary>
        public static LayerPosition Top { get; } = new(string.Empty, 0, Array.Empty<object>());

        /// <summary>Empty for the body; part numbers joined by dots, and " >" for each opened layer.</summary>
        public string Path { get; }

        /// <summary>MIME levels and protection layers between the body and here.</summary>
        public int Depth { get; }

        /// <summary>The marks of the layers around this position, outermost first.</summary>
        public IReadOnlyList<object> Marks => _marks;

        /// <summary>Body part <paramref name="number"/> (from 1) of the entity here.</summary>
        public LayerPosition Part(int number, object? mark = null) =>
            new(Path.Length == 0 || Path.EndsWith('>') ? Path + number : Path + "." + number, Depth + 1, With(mark));

        /// <summary>The content of the layer opened here.</summary>
        public LayerPosition Inside(object? mark) => new(Path + (Path.Length == 0 ? string.Empty : " ") + ">", Depth + 1, With(mark));

        private object[] With(object? mark)
        {
            if (mark == null)
            {
                return _marks;
            }

            var marks = new object[_marks.Length + 1];
            _marks.CopyTo(marks, 0);
            marks[^1] = mark;
            return marks;
        }
    }
}
