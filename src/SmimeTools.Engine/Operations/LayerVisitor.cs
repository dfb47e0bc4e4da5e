using System.IO;
using MimeKit;
using SmimeTools.Engine.Cms;
using SmimeTools.Engine.Messages;

namespace SmimeTools.Engine.Operations
{
    /// <summary>
    /// One use case of the <see cref="LayerWalker"/>: it is told of each layer the walker reaches and decides what to
    /// do with it (decrypt, check, describe), while the walker owns input, depth, scratch files and the order of the walk.
    /// </summary>
    internal abstract class LayerVisitor
    {
        /// <summary>Called first, with the message's own headers; null when the input is a bare CMS file.</summary>
        public virtual void Begin(MimeMessage? message)
        {
        }

        /// <summary>True when multipart/signed is a layer to go through to its signed content; false keeps it as content.</summary>
        public virtual bool OpensSignedLayers => true;

        /// <summary>
        /// Where opened layers are written on a message's chain of layers (never in tree mode), from Start on; null
        /// for scratch files. A layer whose content holds no further layer then stays there and is not copied again.
        /// </summary>
        public virtual (Stream Stream, long Start)? InPlaceOutput => null;

        /// <summary>
        /// A signed, enveloped, auth-enveloped or compressed layer: read <paramref name="cms"/> and write what it holds
        /// to <paramref name="destination"/>, or leave it closed. <paramref name="part"/> is the application/pkcs7-mime
        /// part, null for a bare CMS file.
        /// </summary>
        public abstract LayerStep OpenCms(CmsContentKind kind, Stream cms, Stream destination, LayerContent? part, LayerPosition at);

        /// <summary>A multipart/signed about to be gone through; returns the mark its signed content carries.</summary>
        public virtual object? EnterSigned(Multipart signed, MimePart signature, LayerPosition at) => null;

        /// <summary>In tree mode, after the signed content of a multipart/signed: its signature part.</summary>
        public virtual void SignaturePart(MimePart signature, LayerPosition at)
        {
        }

        /// <summary>
        /// In tree mode, an attached message (message/rfc822): return a mark to go into it (its body is walked as part 1 of
        /// the attachment), or null to keep it as one part.
        /// </summary>
        public virtual object? EnterAttachedMessage(MimeMessage message, LayerPosition at) => null;

        /// <summary>
        /// Content that holds no further layer: the end of a message's chain, or each leaf part in tree mode.
        /// <paramref name="inOutput"/> says the content is already written in <see cref="InPlaceOutput"/>.
        /// </summary>
        public virtual void Leaf(LayerContent content, LayerPosition at, bool inOutput)
        {
        }

        /// <summary>Called last, while the input and the scratch files are still open.</summary>
        public virtual void End()
        {
        }
    }
}
