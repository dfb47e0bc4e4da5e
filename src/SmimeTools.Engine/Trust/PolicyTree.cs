using System;
using System.Collections.Generic;
using System.Linq;

namespace SmimeTools.Engine.Trust
{
    /// <summary>The valid_policy_tree of RFC 5280 §6.1.2 (a) and the operations §6.1.3–§6.1.5 perform on it.</summary>
    internal sealed class PolicyTree
    {
        private PolicyTree(PolicyNode root)
        {
            Root = root;
        }

        public PolicyNode Root { get; private set; }

        /// <summary>The initial tree: one anyPolicy node of depth 0 expecting anyPolicy.</summary>
        public static PolicyTree Create() =>
            new PolicyTree(new PolicyNode(ValidationOptions.AnyPolicy, null, new[] { ValidationOptions.AnyPolicy }));

        public List<PolicyNode> NodesAtDepth(int depth)
        {
            var level = new List<PolicyNode> { Root };
            for (int d = 0; d < depth && level.Count > 0; d++)
            {
                level = level.SelectMany(n => n.Children).ToList();
            }

            return level;
        }

        public IEnumerable<PolicyNode> AllNodes()
        {
            var stack = new Stack<PolicyNode>();
            stack.Push(Root);
            while (stack.Count > 0)
            {
                var node = stack.Pop();
                yield return node;
                foreach (var child in node.Children)
                {
                    stack.Push(child);
                }
            }
        }

        public static void Remove(PolicyNode node) => node.Parent?.Children.Remove(node);

        /// <summary>
        /// Deletes, repeatedly, every node of depth <paramref name="maxDepth"/> or less that has no children. Returns false
        /// when the root itself went: the tree is then NULL.
        /// </summary>
        public bool Prune(int maxDepth) => !PruneBelow(Root, maxDepth);

        /// <summary>
        /// The policies the tree stands for, in the trust anchor's domain: the valid_policy of each node whose parent is
        /// anyPolicy, plus anyPolicy itself when a branch of anyPolicy nodes reaches <paramref name="depth"/>.
        /// </summary>
        public IReadOnlyList<string> PolicySet(int depth)
        {
            var set = new SortedSet<string>(StringComparer.Ordinal);
            foreach (var node in AllNodes())
            {
                if (node.Parent != null && node.Parent.ValidPolicy == ValidationOptions.AnyPolicy && node.ValidPolicy != ValidationOptions.AnyPolicy)
                {
                    set.Add(node.ValidPolicy);
                }
            }

            if (NodesAtDepth(depth).Any(n => n.ValidPolicy == ValidationOptions.AnyPolicy))
            {
                set.Add(ValidationOptions.AnyPolicy);
            }

            return set.ToArray();
        }

        private static bool PruneBelow(PolicyNode node, int maxDepth)
        {
            for (int i = node.Children.Count - 1; i >= 0; i--)
            {
                if (PruneBelow(node.Children[i], maxDepth))
                {
                    node.Children.RemoveAt(i);
                }
            }

            return node.Depth <= maxDepth && node.Children.Count == 0;
        }
    }

    /// <summary>One node of the valid_policy_tree.</summary>
    internal sealed class PolicyNode
    {
        public PolicyNode(string validPolicy, PolicyNode? parent, IEnumerable<string> expected)
        {
            ValidPolicy = validPolicy;
            Parent = parent;
            Depth = parent == null ? 0 : parent.Depth + 1;
            ExpectedPolicies = new HashSet<string>(expected, StringComparer.Ordinal);
            parent?.Children.Add(this);
        }

        public string ValidPolicy { get; }

        public PolicyNode? Parent { get; }

        public int Depth { get; }

        public List<PolicyNode> Children { get; } = new();

        public HashSet<string> ExpectedPolicies { get; set; }

        public override string ToString() => $"{ValidPolicy}@{Depth}";
    }
}
