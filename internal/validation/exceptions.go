package validation

import (
	"embed"
	"fmt"
)

//go:embed exceptions/*.json
var exceptionFiles embed.FS

// Exceptions returns the written exception list of a tool
// (exceptions/<tool>.json).
//
// Errors: the list is missing or malformed (see ParseExceptions).
func Exceptions(tool string) ([]Exception, error) {
	name := "exceptions/" + tool + ".json"
	data, err := exceptionFiles.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("no exception list for %s: %w", tool, err)
	}
	return ParseExceptions(name, data)
}
