package trim

import "github.com/atlas-linktoken/atlas-linktoken/api/internal/yamlnode"

// The node tree helpers are api/internal/yamlnode's, shared with the change report.
var (
	pairs    = yamlnode.Pairs
	get      = yamlnode.Get
	scalar   = yamlnode.Scalar
	sequence = yamlnode.Sequence
)
