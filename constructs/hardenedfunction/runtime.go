package hardenedfunction

import (
	"regexp"
	"sort"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
)

// DefaultRuntime is the runtime of functions built from Entry: Amazon Linux
// 2023's OS-only runtime, which runs the Go binary named bootstrap.
const DefaultRuntime = "provided.al2023"

// runtimes is the allow-list: current runtimes that AWS has not scheduled for
// deprecation. Go functions use provided.al2023; the others need Code and
// Handler from the caller.
var runtimes = map[string]func() awslambda.Runtime{
	DefaultRuntime: awslambda.Runtime_PROVIDED_AL2023,
	"nodejs22.x":   awslambda.Runtime_NODEJS_22_X,
	"nodejs24.x":   awslambda.Runtime_NODEJS_24_X,
	"python3.13":   awslambda.Runtime_PYTHON_3_13,
	"python3.14":   awslambda.Runtime_PYTHON_3_14,
	"java21":       awslambda.Runtime_JAVA_21,
	"java25":       awslambda.Runtime_JAVA_25,
}

// AllowedRuntimes returns the runtime names the construct accepts, sorted.
func AllowedRuntimes() []string {
	out := make([]string, 0, len(runtimes))
	for r := range runtimes {
		out = append(out, r)
	}
	sort.Strings(out)
	return out
}

// replacements maps deprecated (or soon deprecated) runtimes to the runtime
// that replaces them, so that the validation error can name the fix.
var replacements = []struct {
	re  *regexp.Regexp
	use string
}{
	{regexp.MustCompile(`^go1\.x$`), DefaultRuntime + " (build the handler as bootstrap from Entry)"},
	{regexp.MustCompile(`^provided(\.al2)?$`), DefaultRuntime},
	{regexp.MustCompile(`^nodejs([4-9]|1\d|20)(\.\d+|\.x)?$`), "nodejs24.x"},
	{regexp.MustCompile(`^python(2\.7|3\.([0-9]|1[0-2]))$`), "python3.14"},
	{regexp.MustCompile(`^java(8|8\.al2|11|17)$`), "java25"},
	{regexp.MustCompile(`^dotnet`), "a supported runtime; .NET is not on Groundwork's allow-list"},
	{regexp.MustCompile(`^ruby`), "a supported runtime; Ruby is not on Groundwork's allow-list"},
}

// replacementFor returns the replacement of a deprecated runtime, or "".
func replacementFor(runtime string) string {
	r := strings.ToLower(runtime)
	for _, rep := range replacements {
		if rep.re.MatchString(r) {
			return rep.use
		}
	}
	return ""
}
