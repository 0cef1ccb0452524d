// Package buildversion is this module's version, read once from the build information: the library's, the CLI's
// and the emulator's (they are built from one module, so they name one version).
package buildversion

import (
	"runtime/debug"
	"sync"
)

const modulePath = "github.com/atlas-linktoken/atlas-linktoken"

// Get is a release tag when the module was built as a dependency or with go install …@version, "devel" otherwise.
var Get = sync.OnceValue(func() string {
	v := "devel"
	if info, ok := debug.ReadBuildInfo(); ok {
		if info.Main.Path == modulePath && info.Main.Version != "" && info.Main.Version != "(devel)" {
			v = info.Main.Version
		}
		for _, dep := range info.Deps {
			if dep.Path == modulePath && dep.Version != "" {
				v = dep.Version
			}
		}
	}
	return v
})
