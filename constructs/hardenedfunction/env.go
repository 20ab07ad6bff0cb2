package hardenedfunction

import (
	"math"
	"regexp"
	"strings"

	"github.com/groundwork-cdk/groundwork/audit"
)

// envName is what Lambda accepts as an environment variable name: a letter,
// then at least one letter, digit or underscore ([a-zA-Z][a-zA-Z0-9_]+).
var envName = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]+$`)

// reservedEnv are the variables Lambda sets itself and refuses in a function
// configuration (see "Defined runtime environment variables" in the Lambda
// developer guide).
var reservedEnv = map[string]bool{
	"_HANDLER": true, "_X_AMZN_TRACE_ID": true, "AWS_DEFAULT_REGION": true, "AWS_REGION": true,
	"AWS_EXECUTION_ENV": true, "AWS_LAMBDA_FUNCTION_NAME": true, "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": true,
	"AWS_LAMBDA_FUNCTION_VERSION": true, "AWS_LAMBDA_INITIALIZATION_TYPE": true, "AWS_LAMBDA_LOG_GROUP_NAME": true,
	"AWS_LAMBDA_LOG_STREAM_NAME": true, "AWS_ACCESS_KEY": true, "AWS_ACCESS_KEY_ID": true,
	"AWS_SECRET_ACCESS_KEY": true, "AWS_SESSION_TOKEN": true, "AWS_LAMBDA_RUNTIME_API": true,
	"LAMBDA_TASK_ROOT": true, "LAMBDA_RUNTIME_DIR": true,
}

// literalSecrets are shapes of credentials that must never be a literal
// environment value: they would sit in the template, the function
// configuration and every deployment log.
var literalSecrets = []struct {
	re   *regexp.Regexp
	what string
}{
	{regexp.MustCompile(`\b(AKIA|ASIA)[0-9A-Z]{16}\b`), "an AWS access key id"},
	{regexp.MustCompile(`-----BEGIN [A-Z0-9 ]*-----`), "a PEM block (key or certificate)"},
	{regexp.MustCompile(`\b(sk|rk)_live_[0-9A-Za-z]{8,}`), "a Stripe live key"},
	{regexp.MustCompile(`\b(ghp|gho|ghu|ghs|ghr)_[0-9A-Za-z]{20,}|\bgithub_pat_[0-9A-Za-z_]{20,}`), "a GitHub token"},
	{regexp.MustCompile(`\bxox[abposr]-[0-9A-Za-z-]{10,}`), "a Slack token"},
	{regexp.MustCompile(`\bAIza[0-9A-Za-z_-]{35}\b`), "a Google API key"},
	{regexp.MustCompile(`(?i)\b(password|passwd|pwd|secret|token|api_?key|apikey)\s*[=:]\s*[^\s&;,]+`), "a password=… style pair"},
	{regexp.MustCompile(`[a-zA-Z][a-zA-Z0-9+.-]*://[^/\s:@]*:[^/\s@]+@`), "a URL with embedded credentials"},
	{regexp.MustCompile(`\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*`), "a JSON Web Token"},
	{regexp.MustCompile(`(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/-]{8,}=*`), "an HTTP Authorization header credential"},
}

// hexKey matches 32 or more hex digits in a row: a 128-bit or longer key or
// HMAC secret, or a digest (a commit SHA, a checksum). A digest is accepted
// only when its variable's name says so (digestName).
var hexKey = regexp.MustCompile(`(^|[^0-9A-Za-z])[0-9A-Fa-f]{32,}($|[^0-9A-Za-z])`)

// digestName is a variable name that announces a hex digest rather than a key.
var digestName = regexp.MustCompile(`(?i)(^|_)(SHA\d*|HASH|DIGEST|CHECKSUM|COMMIT|REVISION|ETAG|MD5)($|_)`)

// secretNameExtra are secret-holding names that audit.LooksLikeSecretName
// does not catch: short and joined spellings of password (DB_PASS, DBPASS,
// ADMIN_PWD), passphrases and passcodes, and keys named by their purpose.
var secretNameExtra = regexp.MustCompile(`(?i)(^|_)[A-Z0-9]*(PASS|PWD|PASSPHRASE|PASSCODE)($|_)|PRIVATE_?KEY|(^|_)(SIGNING|ENCRYPTION|HMAC|MASTER|SESSION|ACCESS|SECRET)_?KEY($|_)|(^|_)CREDS?($|_)`)

// notSecretPass are words that end in PASS but say nothing of a password.
var notSecretPass = regexp.MustCompile(`(?i)(^|_)(BY|COM|SUR|TRES|OVER|UNDER|MULTI|SINGLE|ONE|TWO|FIRST|SECOND)PASS($|_)`)

// looksLikeSecretName reports whether an environment variable name says it
// holds a secret value: audit's rule plus secretNameExtra.
func looksLikeSecretName(name string) bool {
	if audit.LooksLikeSecretName(name) {
		return true
	}
	if audit.NamesSecretReference(name) {
		return false
	}
	return secretNameExtra.MatchString(name) && !notSecretPass.MatchString(name)
}

// opaque matches token-like strings: no separators that ARNs, URLs, paths,
// host names or sentences have.
var opaque = regexp.MustCompile(`^[A-Za-z0-9+/=_-]{32,}$`)

// looksLikeLiteralSecret reports whether value looks like a credential, and
// what kind. Besides the known shapes it flags long, opaque, high-entropy
// strings that mix upper case, lower case and digits (random keys), which
// identifiers, hashes in hex, UUIDs and ARNs do not.
func looksLikeLiteralSecret(name, value string) (string, bool) {
	for _, s := range literalSecrets {
		if s.re.MatchString(value) {
			return s.what, true
		}
	}
	if hexKey.MatchString(value) && !digestName.MatchString(name) {
		return "a hex key of 32 or more digits", true
	}
	if opaque.MatchString(value) && mixedClasses(value) && entropy(value) >= 4.2 {
		return "a long high-entropy string (a generated key or token)", true
	}
	return "", false
}

func mixedClasses(s string) bool {
	var upper, lower, digit bool
	for _, r := range s {
		switch {
		case r >= 'A' && r <= 'Z':
			upper = true
		case r >= 'a' && r <= 'z':
			lower = true
		case r >= '0' && r <= '9':
			digit = true
		}
	}
	return upper && lower && digit
}

// entropy is the Shannon entropy of s in bits per character.
func entropy(s string) float64 {
	counts := map[rune]float64{}
	for _, r := range s {
		counts[r]++
	}
	n := float64(len([]rune(s)))
	var h float64
	for _, c := range counts {
		p := c / n
		h -= p * math.Log2(p)
	}
	return h
}

// isToken reports whether s is (or contains) an unresolved CDK token, such
// as a table name: its value is not known at synth time and is not literal.
func isToken(s string) bool {
	return strings.Contains(s, "${Token[") || strings.Contains(s, "#{Token[")
}

// tokenMarker is how an unresolved CDK token appears inside a string.
var tokenMarker = regexp.MustCompile(`[$#]\{Token\[[^\]]*\]\}`)

// withoutTokens is s with its unresolved tokens removed: the part whose
// length is known at synth time.
func withoutTokens(s string) string { return tokenMarker.ReplaceAllString(s, "") }
