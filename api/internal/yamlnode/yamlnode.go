// Package yamlnode reads yaml.v3 node trees, as the spec pipeline's tools do (the trimmer and the change report):
// they work on the node tree rather than on decoded values so that upstream's text, order and style survive.
package yamlnode

import "gopkg.in/yaml.v3"

// Pairs lists the key and value nodes of mapping m; none when m is not a mapping.
func Pairs(m *yaml.Node) [][2]*yaml.Node {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	out := make([][2]*yaml.Node, 0, len(m.Content)/2)
	for i := 0; i+1 < len(m.Content); i += 2 {
		out = append(out, [2]*yaml.Node{m.Content[i], m.Content[i+1]})
	}
	return out
}

// Get is the value of key in mapping m; nil when there is none.
func Get(m *yaml.Node, key string) *yaml.Node {
	for _, p := range Pairs(m) {
		if p[0].Value == key {
			return p[1]
		}
	}
	return nil
}

// Scalar is n's value when n is a scalar, "" otherwise.
func Scalar(n *yaml.Node) string {
	if n == nil || n.Kind != yaml.ScalarNode {
		return ""
	}
	return n.Value
}

// Sequence lists the items of sequence n; none when n is not a sequence.
func Sequence(n *yaml.Node) []*yaml.Node {
	if n == nil || n.Kind != yaml.SequenceNode {
		return nil
	}
	return n.Content
}
