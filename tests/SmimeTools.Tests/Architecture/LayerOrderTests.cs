using System;
using System.Collections.Generic;
using System.Linq;
using System.IO;
using ArchUnitNET.Domain;
using ArchUnitNET.Loader;
using SmimeTools.Engine;
using SmimeTools.Engine.Keys;
using Xunit;
using Xunit.Abstractions;

namespace SmimeTools.Tests.Architecture
{
    /// <summary>
    /// The engine's layers depend downwards only (README, layout): a type that reaches up a layer fails here with
    /// the edge named, so the order written in the README is the order the code has.
    /// </summary>
    public sealed class LayerOrderTests
    {
        /// <summary>Top first; a layer may use those after it. The root namespace (errors) and Policy are below all.</summary>
        private static readonly string[] Order =
        {
            "Operations", "Enrolment", "Messages", "Trust", "Certificates", "Ldap", "Cms", "Keys", "Tokens", "IO", "Policy", "",
        };

        /// <summary>Back-edges that exist today and are to be removed (issue 11); one gone must be taken off this list.</summary>
        private static readonly HashSet<string> KnownBackEdges = new(StringComparer.Ordinal);

        private static readonly Lazy<Dictionary<string, SortedSet<string>>> Edges = new(ReadEdges);

        private readonly ITestOutputHelper _output;

        public LayerOrderTests(ITestOutputHelper output) => _output = output;

        private static string LayerOf(string ns)
        {
            const string root = "SmimeTools.Engine";
            if (ns == root)
            {
                return string.Empty;
            }

            return ns.StartsWith(root + ".", StringComparison.Ordinal) ? ns[(root.Length + 1)..].Split('.')[0] : "(outside)";
        }

        private static Dictionary<string, SortedSet<string>> ReadEdges()
        {
            var architecture = new ArchLoader().LoadAssemblies(typeof(SmimeException).Assembly).Build();
            var edges = new Dictionary<string, SortedSet<string>>(StringComparer.Ordinal);
            foreach (var type in architecture.Types)
            {
                var from = LayerOf(type.Namespace.FullName);
                if (from == "(outside)")
                {
                    continue;
                }

                foreach (var dependency in type.Dependencies)
                {
                    var to = LayerOf(dependency.Target.Namespace.FullName);
                    if (to == "(outside)" || to == from)
                    {
                        continue;
                    }

                    var edge = $"{Name(from)} -> {Name(to)}";
                    if (!edges.TryGetValue(edge, out var users))
                    {
                        edges[edge] = users = new SortedSet<string>(StringComparer.Ordinal);
                    }

                    users.Add($"{type.Name} uses {dependency.Target.Name}");
                }
            }

            return edges;
        }

        private static string Name(string layer) => layer.Length == 0 ? "(root)" : layer;

        private static bool IsDownwards(string edge)
        {
            var parts = edge.Split(" -> ");
            int Rank(string name) => Array.IndexOf(Order, name == "(root)" ? string.Empty : name);
            var from = Rank(parts[0]);
            var to = Rank(parts[1]);
            return from >= 0 && to >= 0 && to > from;
        }

        [Fact]
        public void EveryEngineNamespaceHasAPlaceInTheOrder()
        {
            var architecture = new ArchLoader().LoadAssemblies(typeof(SmimeException).Assembly).Build();
            var unknown = architecture.Types.Select(t => LayerOf(t.Namespace.FullName))
                .Where(l => l != "(outside)" && !Order.Contains(l)).Distinct().ToArray();
            Assert.True(unknown.Length == 0, "Engine namespaces with no place in the layer order: " + string.Join(", ", unknown));
        }

        [Fact]
        public void LayersDependDownwardsOnly()
        {
            var back = Edges.Value.Where(e => !IsDownwards(e.Key) && !KnownBackEdges.Contains(e.Key)).ToArray();
            foreach (var edge in Edges.Value)
            {
                _output.WriteLine($"{edge.Key}: {string.Join("; ", edge.Value.Take(3))}");
            }

            Assert.True(back.Length == 0, "These dependencies go up the layer order (README, layout): "
                + string.Join(" | ", back.Select(e => $"{e.Key} ({string.Join("; ", e.Value.Take(4))})")));
        }

        [Fact]
        public void KnownBackEdgesStillExist()
        {
            // One that is gone must leave the list, so the list only shrinks.
            var gone = KnownBackEdges.Where(e => !Edges.Value.ContainsKey(e)).ToArray();
            Assert.True(gone.Length == 0, "No longer in the code, take off KnownBackEdges: " + string.Join(", ", gone));
        }

        /// <summary>
        /// The registry of certificate objects handed out to callers (issue 11) is used at the edge only: no engine type
        /// names it, so every layer takes the key reference from the entry instead.
        /// </summary>
        [Fact]
        public void NoEngineTypeUsesTheRegistryOfHandedOutCertificates()
        {
            var architecture = new ArchLoader().LoadAssemblies(typeof(SmimeException).Assembly).Build();
            Assert.Equal(Array.Empty<string>(), UsersOf(architecture, typeof(KeyReferences).FullName!).Where(t => t != typeof(KeyReferences).FullName));
        }

        /// <summary>In the cmdlets only CertificateOutput, which hands certificates out and takes them back, uses it.</summary>
        [SkippableFact]
        public void OnlyCertificateOutputUsesTheRegistryInTheCmdlets()
        {
            var module = Environment.GetEnvironmentVariable("SMIMETOOLS_MODULE");
            Skip.If(string.IsNullOrEmpty(module) || !File.Exists(Path.Combine(module, "SmimeTools.dll")), "SMIMETOOLS_MODULE names no built module (build.ps1 Test sets it).");
            var architecture = new ArchLoader().LoadFilteredDirectory(module!, "SmimeTools.dll", SearchOption.TopDirectoryOnly).Build();
            Assert.Equal(new[] { "SmimeTools.Commands.CertificateOutput" }, UsersOf(architecture, typeof(KeyReferences).FullName!));
        }

        private static string[] UsersOf(ArchUnitNET.Domain.Architecture architecture, string typeName) =>
            architecture.Types.Where(t => t.Dependencies.Any(d => d.Target.FullName == typeName)).Select(t => t.FullName).Distinct().OrderBy(n => n, StringComparer.Ordinal).ToArray();
    }
}
