namespace SmimeTools.Engine.Operations
{
    /// <summary>What an encryption update did to one message; a message it could not update is an error, not a state.</summary>
    public enum MessageUpdateState
    {
        /// <summary>Rewritten for the new recipients, checked and put in place.</summary>
        Updated,

        /// <summary>Left as it was: already encrypted to every target recipient, or done by an earlier run of the job.</summary>
        Skipped,

        /// <summary>What -WhatIf found: it would be rewritten as described; no key was opened and nothing was written.</summary>
        Planned,
    }
}
