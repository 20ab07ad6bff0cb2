package localapi

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
)

// DevIssuer is the "iss" of every development token. The deployed stack's
// JWT authorizer is configured with an https OIDC issuer and validates each
// token's signature against that issuer's published keys; a development
// token is unsigned ("alg": "none") and names this issuer, so API Gateway
// rejects it on both counts. Only the local front door accepts it.
const DevIssuer = "urn:groundwork:local-development"

// DevToken returns an unsigned development JWT for sub, valid for ttl, with
// aud as its audience. Give it to the local front door as
// "Authorization: Bearer <token>".
func DevToken(sub, aud string, ttl time.Duration, now time.Time) string {
	enc := base64.RawURLEncoding
	header := enc.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`))
	claims, _ := json.Marshal(map[string]any{
		"iss": DevIssuer,
		"sub": sub,
		"aud": aud,
		"iat": now.Unix(),
		"exp": now.Add(ttl).Unix(),
	})
	return header + "." + enc.EncodeToString(claims) + "."
}

// parseDevToken checks a development token the way the JWT authorizer
// checks a real one (issuer, audience, expiry) and returns its claims as
// API Gateway passes them to the function: every value a string.
func parseDevToken(token string, audiences []string, now time.Time) (map[string]string, error) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return nil, fmt.Errorf("not a JWT (want header.claims.signature)")
	}
	enc := base64.RawURLEncoding
	hb, err := enc.DecodeString(parts[0])
	if err != nil {
		return nil, fmt.Errorf("header is not base64url")
	}
	var header struct {
		Alg string `json:"alg"`
	}
	if err := json.Unmarshal(hb, &header); err != nil || header.Alg != "none" || parts[2] != "" {
		return nil, fmt.Errorf("not a development token (want alg none, no signature; make one with `go run ./cmd/local token`)")
	}
	cb, err := enc.DecodeString(parts[1])
	if err != nil {
		return nil, fmt.Errorf("claims are not base64url")
	}
	var raw map[string]any
	if err := json.Unmarshal(cb, &raw); err != nil {
		return nil, fmt.Errorf("claims are not a JSON object")
	}
	if raw["iss"] != DevIssuer {
		return nil, fmt.Errorf("issuer %v is not %s", raw["iss"], DevIssuer)
	}
	var auds []string
	switch a := raw["aud"].(type) {
	case string:
		auds = []string{a}
	case []any:
		for _, x := range a {
			if s, ok := x.(string); ok {
				auds = append(auds, s)
			}
		}
	}
	if !slices.ContainsFunc(auds, func(a string) bool { return slices.Contains(audiences, a) }) {
		return nil, fmt.Errorf("audience %v is not one the API accepts %v", auds, audiences)
	}
	exp, ok := raw["exp"].(float64)
	if !ok || now.Unix() >= int64(exp) {
		return nil, fmt.Errorf("expired or no exp claim")
	}
	claims := map[string]string{}
	for k, v := range raw {
		switch t := v.(type) {
		case string:
			claims[k] = t
		case float64:
			claims[k] = fmt.Sprint(int64(t))
		default:
			b, _ := json.Marshal(t)
			claims[k] = string(b)
		}
	}
	return claims, nil
}
