package localapi

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"
)

// maxBody is API Gateway's payload limit (10 MB).
const maxBody = 10 << 20

// Invoker is the function behind the API: orders.Handler.Handle.
type Invoker func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error)

// FrontDoor plays the HTTP API's part on localhost: it matches the
// template's routes, checks the route's JWT authorization against a
// development token, builds the payload format 2.0 event and invokes the
// function with the function's timeout as deadline. Like API Gateway it
// answers an unknown route with 404 {"message":"Not Found"} and a missing
// or bad token with 401 {"message":"Unauthorized"}, without invoking the
// function.
type FrontDoor struct {
	Definitions *Definitions
	Invoke      Invoker
	// Logger gets one line per request (nil: none).
	Logger *slog.Logger
	// Now is the clock for token expiry (nil: time.Now).
	Now func() time.Time
}

func (f *FrontDoor) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	status := f.serve(w, r)
	if f.Logger != nil {
		f.Logger.Info("request", "method", r.Method, "path", r.URL.Path, "status", status,
			"durationMs", time.Since(start).Milliseconds())
	}
}

func (f *FrontDoor) serve(w http.ResponseWriter, r *http.Request) int {
	route, params, ok := f.match(r.Method, r.URL.Path)
	if !ok {
		return gatewayError(w, http.StatusNotFound, "Not Found")
	}
	var auth *events.APIGatewayV2HTTPRequestContextAuthorizerDescription
	if route.Authorization == "JWT" {
		tok, found := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !found {
			return gatewayError(w, http.StatusUnauthorized, "Unauthorized")
		}
		now := time.Now
		if f.Now != nil {
			now = f.Now
		}
		claims, err := parseDevToken(strings.TrimSpace(tok), f.Definitions.Audiences, now())
		if err != nil {
			if f.Logger != nil {
				f.Logger.Warn("token rejected", "reason", err.Error())
			}
			return gatewayError(w, http.StatusUnauthorized, "Unauthorized")
		}
		auth = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{
			JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{Claims: claims},
		}
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		return gatewayError(w, http.StatusBadRequest, "Bad Request")
	}
	if len(body) > maxBody {
		return gatewayError(w, http.StatusRequestEntityTooLarge, "Request Entity Too Large")
	}
	req := events.APIGatewayV2HTTPRequest{
		Version:               "2.0",
		RouteKey:              route.Key(),
		RawPath:               r.URL.Path,
		RawQueryString:        r.URL.RawQuery,
		Headers:               map[string]string{},
		QueryStringParameters: map[string]string{},
		PathParameters:        params,
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			RouteKey:   route.Key(),
			Stage:      "$default",
			RequestID:  requestID(),
			Authorizer: auth,
			TimeEpoch:  time.Now().UnixMilli(),
			HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{
				Method: r.Method, Path: r.URL.Path, Protocol: r.Proto,
				SourceIP: remoteIP(r), UserAgent: r.UserAgent(),
			},
		},
	}
	for k, v := range r.Header {
		req.Headers[strings.ToLower(k)] = strings.Join(v, ",")
	}
	for k, v := range r.URL.Query() {
		req.QueryStringParameters[k] = strings.Join(v, ",")
	}
	if len(body) > 0 {
		if utf8.Valid(body) {
			req.Body = string(body)
		} else {
			req.Body, req.IsBase64Encoded = base64.StdEncoding.EncodeToString(body), true
		}
	}
	ctx, cancel := context.WithTimeout(r.Context(), time.Duration(f.Definitions.TimeoutSeconds)*time.Second)
	defer cancel()
	resp, err := f.Invoke(ctx, req)
	if err != nil {
		return gatewayError(w, http.StatusInternalServerError, "Internal Server Error")
	}
	for k, v := range resp.Headers {
		w.Header().Set(k, v)
	}
	for k, vs := range resp.MultiValueHeaders {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	out := []byte(resp.Body)
	if resp.IsBase64Encoded {
		if out, err = base64.StdEncoding.DecodeString(resp.Body); err != nil {
			return gatewayError(w, http.StatusInternalServerError, "Internal Server Error")
		}
	}
	status := resp.StatusCode
	if status == 0 {
		status = http.StatusOK
	}
	w.WriteHeader(status)
	_, _ = w.Write(out)
	return status
}

// match finds the route for method and path; "{name}" segments match one
// path segment and become path parameters.
func (f *FrontDoor) match(method, path string) (Route, map[string]string, bool) {
	got := strings.Split(strings.Trim(path, "/"), "/")
	for _, rt := range f.Definitions.Routes {
		if rt.Method != method && rt.Method != "ANY" {
			continue
		}
		want := strings.Split(strings.Trim(rt.Path, "/"), "/")
		if len(want) != len(got) {
			continue
		}
		params := map[string]string{}
		ok := true
		for i, seg := range want {
			if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") {
				if got[i] == "" {
					ok = false
					break
				}
				params[strings.Trim(seg, "{}")] = got[i]
			} else if seg != got[i] {
				ok = false
				break
			}
		}
		if ok {
			if len(params) == 0 {
				params = nil
			}
			return rt, params, true
		}
	}
	return Route{}, nil, false
}

func gatewayError(w http.ResponseWriter, status int, msg string) int {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"message": msg})
	return status
}

func requestID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return "local-" + hex.EncodeToString(b)
}

func remoteIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
