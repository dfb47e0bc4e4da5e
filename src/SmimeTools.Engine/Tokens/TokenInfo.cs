namespace SmimeTools.Engine.Tokens
{
    /// <summary>A token as its PKCS#11 library describes it: what users name it by (label, serial) and how to log in.</summary>
    public sealed class TokenInfo
    {
        internal TokenInfo(string modulePath, ulong slotId, string label, string serialNumber, string manufacturer, string model,
            bool loginRequired, bool protectedAuthenticationPath, bool pinLocked, bool pinFinalTry)
        {
            ModulePath = modulePath;
            SlotId = slotId;
            Label = label;
            SerialNumber = serialNumber;
            Manufacturer = manufacturer;
            Model = model;
            LoginRequired = loginRequired;
            ProtectedAuthenticationPath = protectedAuthenticationPath;
            PinLocked = pinLocked;
            PinFinalTry = pinFinalTry;
        }

        /// <summary>The PKCS#11 library the token is reached through.</summary>
        public string ModulePath { get; }

        public ulong SlotId { get; }

        public string Label { get; }

        public string SerialNumber { get; }

        public string Manufacturer { get; }

        public string Model { get; }

        /// <summary>The token needs a login (PIN) before its private keys can be used.</summary>
        public bool LoginRequired { get; }

        /// <summary>The PIN is entered on the reader's own keypad, not given to us.</summary>
        public bool ProtectedAuthenticationPath { get; }

        /// <summary>The user PIN is locked after too many wrong tries.</summary>
        public bool PinLocked { get; }

        /// <summary>One more wrong PIN locks the token.</summary>
        public bool PinFinalTry { get; }

        /// <summary>The RFC 7512 URI of the token, with the library as module-path.</summary>
        public string Uri => Pkcs11Uri.ForToken(this);

        /// <summary>True when <paramref name="selector"/> is the token's label or serial number.</summary>
        public bool IsNamed(string selector) =>
            string.Equals(Label, selector.Trim(), System.StringComparison.Ordinal) || string.Equals(SerialNumber, selector.Trim(), System.StringComparison.OrdinalIgnoreCase);

        public override string ToString() => $"token '{Label}' (serial {SerialNumber}) of {ModulePath}";
    }
}
