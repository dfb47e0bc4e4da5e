using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;

namespace SmimeTools.Engine.Trust
{
    /// <summary>
    /// The state of one validation: the time, the options, the certificate pools, the CRLs known so far (given, from the
    /// message, fetched), caches, the budget of network requests and the CRL-issuer validations in progress.
    /// </summary>
    internal sealed class ValidationRun
    {
        /// <summary>How deep validations of CRL issuers' paths may nest.</summary>
        internal const int MaxNesting = 4;

        /// <summary>Issuer candidates examined in one validation per candidate path allowed (80 × 256 ≈ the 20000 steps that PKITS never nears).</summary>
        internal const int StepsPerPathCandidate = 80;

        private readonly Dictionary<string, List<CrlData>> _crlsByIssuer = new(StringComparer.Ordinal);
        private readonly HashSet<string> _crlIds = new(StringComparer.Ordinal);
        private int _onlineRequests;

        public ValidationRun(ValidationOptions options, DateTimeOffset time, CertificatePool intermediates, CertificatePool anchors, CancellationToken token)
        {
            Options = options;
            Time = time;
            Intermediates = intermediates;
            Anchors = anchors;
            Token = token;
            PathsLeft = options.Limits.MaximumPathCandidates;
            StepsLeft = (int)Math.Min(int.MaxValue, (long)StepsPerPathCandidate * options.Limits.MaximumPathCandidates);
            Revocation = new RevocationChecker(this);
        }

        public ValidationOptions Options { get; }

        public DateTimeOffset Time { get; }

        public CertificatePool Intermediates { get; }

        public CertificatePool Anchors { get; }

        public CancellationToken Token { get; }

        public RevocationChecker Revocation { get; }

        /// <summary>Warnings about inputs that could not be used (CRLs that do not decode), reported on the result.</summary>
        public List<TrustProblem> InputProblems { get; } = new();

        /// <summary>CRL issuers whose paths are being validated, by certificate id (to break cycles).</summary>
        public HashSet<string> SignersInProgress { get; } = new(StringComparer.Ordinal);

        /// <summary>Counts how often a CRL issuer in progress was accepted provisionally; results that depended on it are not cached.</summary>
        public int ProvisionalAcceptances { get; set; }

        public int Nesting { get; set; }

        /// <summary>Issuer candidates that path building may still examine in this validation.</summary>
        public int StepsLeft { get; set; }

        /// <summary>Candidate paths that may still be processed in this validation (<see cref="InputLimits.MaximumPathCandidates"/>, nested CRL-issuer validations included).</summary>
        public int PathsLeft { get; set; }

        /// <summary>True once a branch was cut at <see cref="InputLimits.MaximumPathLength"/> with issuers left to try.</summary>
        public bool CutByLength { get; set; }

        /// <summary>True once a budget ran out: some alternatives were not tried, which can only make the result less valid.</summary>
        public bool Exhausted { get; set; }

        public IRevocationFetcher Fetcher =>
            Options.Fetcher ?? (Options.ReadDirectoryDistributionPoints ? LdapRevocationFetcher.Default : HttpRevocationFetcher.Default);

        /// <summary>URLs fetched already in this validation (each is tried once).</summary>
        public HashSet<string> FetchedLocations { get; } = new(StringComparer.Ordinal);

        public void AddCrls(byte[] data, string source, bool online)
        {
            var problems = new List<string>();
            foreach (var crl in CrlData.Parse(data, source, online, Options.Limits, problems))
            {
                AddCrl(crl);
            }

            foreach (string problem in problems)
            {
                InputProblems.Add(new TrustProblem(TrustProblemCode.MalformedCertificate, TrustProblemSeverity.Warning, problem, null, -1));
            }
        }

        public void AddCrl(CrlData crl)
        {
            if (_crlIds.Contains(crl.Id))
            {
                return;
            }

            if (_crlIds.Count >= Options.Limits.MaximumCrlCount)
            {
                throw InputLimits.Exceeded(ErrorIds.TooManyCrls, $"The validation (adding {crl.Description})", $"it has read {_crlIds.Count} CRLs already",
                    nameof(InputLimits.MaximumCrlCount), Options.Limits.MaximumCrlCount, crl.Source);
            }

            _crlIds.Add(crl.Id);

            if (!_crlsByIssuer.TryGetValue(crl.Issuer.Key, out var list))
            {
                list = new List<CrlData>();
                _crlsByIssuer.Add(crl.Issuer.Key, list);
            }

            list.Add(crl);
        }

        /// <summary>The CRLs of an issuer, newest first.</summary>
        public IReadOnlyList<CrlData> CrlsOf(DistinguishedName issuer) =>
            _crlsByIssuer.TryGetValue(issuer.Key, out var list) ? list.OrderByDescending(c => c.ThisUpdate).ToList() : Array.Empty<CrlData>();

        /// <summary>Takes one network request from the budget; false when it is spent.</summary>
        public bool TryTakeOnlineRequest()
        {
            if (_onlineRequests >= Options.MaxOnlineRequests)
            {
                return false;
            }

            _onlineRequests++;
            return true;
        }

        /// <summary>Runs a network request with <see cref="ValidationOptions.OnlineTimeout"/>; the caller's cancellation still wins.</summary>
        public T Online<T>(Func<CancellationToken, T> request)
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Token);
            timeout.CancelAfter(Options.OnlineTimeout);
            try
            {
                return request(timeout.Token);
            }
            catch (OperationCanceledException) when (!Token.IsCancellationRequested)
            {
                throw new TimeoutException("no answer within " + Options.OnlineTimeout.TotalSeconds.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture) + " s");
            }
        }

        /// <summary>Validates the path of a CRL issuer (to the same trust anchor), nested in this validation.</summary>
        public PathOutcome? ValidateNested(CertificateData target, CertificateData anchor)
        {
            Nesting++;
            try
            {
                return PathValidator.FindPath(this, target, a => a.Id == anchor.Id, TargetKind.CrlSigner, PolicyInputs.Default, out _, out _, out _);
            }
            finally
            {
                Nesting--;
            }
        }
    }
}
