namespace SmimeTools.Engine.Operations
{
    /// <summary>What a visitor did with a CMS layer: opened it (its content is walked next, carrying the mark) or left it closed.</summary>
    internal readonly struct LayerStep
    {
        private LayerStep(bool isOpened, object? mark)
        {
            IsOpened = isOpened;
            Mark = mark;
        }

        public static LayerStep Closed => default;

        public bool IsOpened { get; }

        /// <summary>Carried by every position inside the layer; null for none.</summary>
        public object? Mark { get; }

        public static LayerStep Opened(object? mark = null) => new(true, mark);
    }
}
