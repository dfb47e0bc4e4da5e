using System;
using System.IO;
using System.Threading;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Cms;

namespace SmimeTools.Engine.Cms
{
    /// <summary>
    /// The plaintext side of an EnvelopedData or AuthEnvelopedData being written (<see cref="EnvelopedDataWriter.Open"/>):
    /// what is written into it is encrypted in pieces of <see cref="EnvelopedDataWriter.ChunkSize"/> (smaller for a message known to be small) and written as an
    /// indefinite-length BER OCTET STRING. <see cref="Finish"/> ends the ContentInfo; disposing without it leaves the
    /// structure open, so a message cut short (a read error, cancellation) never parses as complete.
    /// </summary>
    internal sealed class EnvelopedContentStream : Stream
    {
        private readonly int _chunkSize;

        private readonly ContentCipher _cipher;
        private readonly bool _authenticated;
        private readonly CancellationToken _cancellationToken;
        private readonly BerSequenceGenerator _contentInfo;
        private readonly BerSequenceGenerator _envelope;
        private readonly BerSequenceGenerator _encryptedContentInfo;
        private readonly BerOctetStringGenerator _octets;
        private readonly Stream _encrypted;
        private readonly byte[] _input;
        private readonly byte[] _output;
        private int _inputCount;
        private bool _finished;
        private bool _disposed;

        /// <summary>Writes everything before the encrypted content; the cipher takes its own copy of <paramref name="contentKey"/>.</summary>
        internal EnvelopedContentStream(Stream output, ContentCipherAlgorithm algorithm, byte[] contentKey, Asn1Set recipientInfos,
            int envelopedVersion, CancellationToken cancellationToken, int chunkSize = EnvelopedDataWriter.ChunkSize)
        {
            // Pieces of a whole number of cipher blocks; a small message gets pieces (and buffers) of its own size.
            _chunkSize = Math.Clamp((Math.Min(chunkSize, EnvelopedDataWriter.ChunkSize) + 15) & ~15, 512, EnvelopedDataWriter.ChunkSize);
            _input = new byte[_chunkSize];
            _output = new byte[_chunkSize + ContentCipher.MaxExpansion];
            _authenticated = algorithm.IsAuthenticated;
            _cancellationToken = cancellationToken;
            _cipher = algorithm.CreateEncryptor(contentKey);
            try
            {
                // AuthEnvelopedData is always version 0 (RFC 5083 §2.1).
                int version = _authenticated ? 0 : envelopedVersion;

                // The generators are ended by Finish, never by disposing: disposing one writes its end-of-contents.
                _contentInfo = new BerSequenceGenerator(output);
                _contentInfo.AddObject(new DerObjectIdentifier(_authenticated ? EnvelopingOids.AuthEnvelopedData : EnvelopingOids.EnvelopedData));
                _envelope = new BerSequenceGenerator(_contentInfo.GetRawOutputStream(), 0, true);
                _envelope.AddObject(DerInteger.ValueOf(version));
                _envelope.AddObject(recipientInfos);
                _encryptedContentInfo = new BerSequenceGenerator(_envelope.GetRawOutputStream());
                _encryptedContentInfo.AddObject(CmsObjectIdentifiers.Data);
                _encryptedContentInfo.AddObject(algorithm.ToAlgorithmIdentifier());
                _octets = new BerOctetStringGenerator(_encryptedContentInfo.GetRawOutputStream(), 0, false);
                _encrypted = _octets.GetOctetOutputStream(_chunkSize);
            }
            catch
            {
                _cipher.Dispose();
                throw;
            }
        }

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => !_finished && !_disposed;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        /// <summary>Whole chunks are encrypted straight from <paramref name="buffer"/>, one copy fewer than <see cref="Write(ReadOnlySpan{byte})"/>.</summary>
        public override void Write(byte[] buffer, int offset, int count)
        {
            ValidateBufferArguments(buffer, offset, count);
            ObjectDisposedException.ThrowIf(_finished || _disposed, this);
            if (_inputCount > 0)
            {
                var n = Math.Min(count, _chunkSize - _inputCount);
                Write(buffer.AsSpan(offset, n));
                offset += n;
                count -= n;
            }

            while (count >= _chunkSize)
            {
                _cancellationToken.ThrowIfCancellationRequested();
                int written = _cipher.Update(buffer, offset, _chunkSize, _output);
                _encrypted.Write(_output, 0, written);
                offset += _chunkSize;
                count -= _chunkSize;
            }

            Write(buffer.AsSpan(offset, count));
        }

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            ObjectDisposedException.ThrowIf(_finished || _disposed, this);
            while (!buffer.IsEmpty)
            {
                var n = Math.Min(buffer.Length, _chunkSize - _inputCount);
                buffer[..n].CopyTo(_input.AsSpan(_inputCount));
                _inputCount += n;
                buffer = buffer[n..];
                if (_inputCount == _chunkSize)
                {
                    EncryptPending();
                }
            }
        }

        public override void WriteByte(byte value) => Write(stackalloc byte[] { value });

        /// <summary>Does nothing: a cipher cannot give out part of a block, and the content ends only with <see cref="Finish"/>.</summary>
        public override void Flush()
        {
        }

        /// <summary>Encrypts what is pending, pads or tags, and ends the ContentInfo; nothing may be written after it.</summary>
        public void Finish()
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_finished)
            {
                return;
            }

            EncryptPending();
            int last = _cipher.Finish(_output);
            _encrypted.Write(_output, 0, last);
            _finished = true;
            _encrypted.Dispose();
            _octets.Dispose();
            _encryptedContentInfo.Dispose();
            if (_authenticated)
            {
                // No authAttrs: RFC 8551 §2.4.4 makes them optional for id-data content.
                _envelope.AddObject(new DerOctetString(_cipher.Tag));
            }

            _envelope.Dispose();
            _contentInfo.Dispose();
        }

        private void EncryptPending()
        {
            _cancellationToken.ThrowIfCancellationRequested();
            if (_inputCount > 0)
            {
                int written = _cipher.Update(_input, 0, _inputCount, _output);
                _inputCount = 0;
                _encrypted.Write(_output, 0, written);
            }
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        /// <summary>Releases the cipher and clears the plaintext still held; does not end the structure.</summary>
        protected override void Dispose(bool disposing)
        {
            if (disposing && !_disposed)
            {
                _disposed = true;
                _cipher.Dispose();
                Array.Clear(_input);
            }

            base.Dispose(disposing);
        }
    }
}
