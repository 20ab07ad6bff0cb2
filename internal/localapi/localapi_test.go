package localapi

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
)

// goldenAPI is the Api stack's golden template, kept equal to what the
// stacks synthesize by the stacks package's golden test.
var goldenAPI = filepath.Join("..", "..", "stacks", "testdata", "Groundwork-Dev-Api.template.json")

func TestLoadTakesTheStacksDefinitions(t *testing.T) {
	d, err := Load(goldenAPI, "")
	if err != nil {
		t.Fatal(err)
	}
	if d.Stack != "Groundwork-Dev-Api" || !strings.HasPrefix(d.Function, "ProcessOrderFunction") || d.TimeoutSeconds != 30 {
		t.Errorf("stack, function, timeout = %q, %q, %d", d.Stack, d.Function, d.TimeoutSeconds)
	}
	wantRoutes := []Route{{"GET", "/orders/{id}", "JWT"}, {"POST", "/orders", "JWT"}}
	if !reflect.DeepEqual(d.Routes, wantRoutes) {
		t.Errorf("routes = %v, want %v", d.Routes, wantRoutes)
	}
	if !reflect.DeepEqual(d.Audiences, []string{"groundwork-dev"}) {
		t.Errorf("audiences = %v", d.Audiences)
	}
	table, secret := d.Env["TABLE_NAME"].Ref, d.Env["API_SECRET_ARN"].Ref
	if !strings.HasPrefix(table, "Orders") || !strings.HasPrefix(secret, "ApiSecret") || len(d.Env) != 2 {
		t.Fatalf("env = %v, want TABLE_NAME -> Orders…, API_SECRET_ARN -> ApiSecret…", d.Env)
	}
	wantTable := Table{
		Name:                 "Groundwork-Dev-Api-" + table,
		KeySchema:            []KeyElement{{"id", "HASH"}},
		AttributeDefinitions: []AttributeDefinition{{"id", "S"}},
		BillingMode:          "PAY_PER_REQUEST",
	}
	if got := d.Tables[table]; !reflect.DeepEqual(got, wantTable) {
		t.Errorf("table = %+v, want %+v", got, wantTable)
	}
	if got := d.Secrets[secret]; got.Name != "Groundwork-Dev-Api-"+secret || got.PasswordLength != 64 || !got.ExcludePunctuation {
		t.Errorf("secret = %+v, want the template's generation rules (64, no punctuation)", got)
	}
}

func TestLoadRejectsWhatItCannotEmulate(t *testing.T) {
	const integration = `"Int": {"Type": "AWS::ApiGatewayV2::Integration", "Properties": {"ApiId": {"Ref": "Api"}, "IntegrationUri": {"Fn::GetAtt": ["Fn", "Arn"]}}}`
	tests := []struct {
		name, resources, want string
	}{
		{"no integration", `"T": {"Type": "AWS::DynamoDB::Table", "Properties": {}}`, "no AWS::ApiGatewayV2::Integration"},
		{"computed env value", integration + `, "Fn": {"Type": "AWS::Lambda::Function", "Properties": {"Environment": {"Variables": {"X": {"Fn::Join": ["", ["a"]]}}}}}`,
			"environment variable X is map[Fn::Join:[ [a]]]; the local setup emulates only literals and Refs"},
		{"ref to another type", integration + `, "Q": {"Type": "AWS::SQS::Queue"}, "Fn": {"Type": "AWS::Lambda::Function", "Properties": {"Environment": {"Variables": {"QUEUE": {"Ref": "Q"}}}}}`,
			"environment variable QUEUE refers to Q (AWS::SQS::Queue); the local setup emulates only DynamoDB tables and Secrets Manager secrets"},
		{"table without key schema", integration + `, "T": {"Type": "AWS::DynamoDB::Table", "Properties": {}}, "Fn": {"Type": "AWS::Lambda::Function", "Properties": {"Environment": {"Variables": {"TABLE": {"Ref": "T"}}}}}`,
			"table T has no KeySchema"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "S.template.json")
			if err := os.WriteFile(p, []byte(`{"Resources": {`+tt.resources+`}}`), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := Load(p, "")
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

// The deployed authorizers must never accept a development token: each
// names an https issuer (whose keys sign real tokens), never DevIssuer.
func TestDeployedAuthorizersRejectDevTokens(t *testing.T) {
	for _, env := range []string{"Dev", "Staging", "Prod"} {
		b, err := os.ReadFile(filepath.Join("..", "..", "stacks", "testdata", "Groundwork-"+env+"-Api.template.json"))
		if err != nil {
			t.Fatal(err)
		}
		var tmpl cfnTemplate
		if err := json.Unmarshal(b, &tmpl); err != nil {
			t.Fatal(err)
		}
		n := 0
		for lid, r := range tmpl.Resources {
			if r.Type != "AWS::ApiGatewayV2::Authorizer" {
				continue
			}
			n++
			jc, _ := r.Properties["JwtConfiguration"].(map[string]any)
			iss, _ := jc["Issuer"].(string)
			if r.Properties["AuthorizerType"] != "JWT" || !strings.HasPrefix(iss, "https://") || iss == DevIssuer {
				t.Errorf("%s %s: type %v issuer %q, want a JWT authorizer with an https issuer", env, lid, r.Properties["AuthorizerType"], iss)
			}
		}
		if n == 0 {
			t.Errorf("%s: no authorizer", env)
		}
	}
}

func TestDevToken(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	good := DevToken("alice", "groundwork-dev", time.Hour, now)
	claims, err := parseDevToken(good, []string{"groundwork-dev"}, now.Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if claims["sub"] != "alice" || claims["iss"] != DevIssuer || claims["exp"] != "1800003600" {
		t.Errorf("claims = %v", claims)
	}
	enc := base64.RawURLEncoding
	forge := func(header, claims string, sig string) string {
		return enc.EncodeToString([]byte(header)) + "." + enc.EncodeToString([]byte(claims)) + "." + sig
	}
	tests := []struct{ name, token, want string }{
		{"expired", good, "expired"},
		{"other audience", DevToken("alice", "someone-else", time.Hour, now), "audience [someone-else] is not one the API accepts"},
		{"real issuer", forge(`{"alg":"none"}`, `{"iss":"https://cognito-idp.eu-west-1.amazonaws.com/x","aud":"groundwork-dev","exp":1900000000}`, ""), "is not " + DevIssuer},
		{"signed token", forge(`{"alg":"RS256"}`, `{"iss":"`+DevIssuer+`","aud":"groundwork-dev","exp":1900000000}`, "c2ln"), "not a development token"},
		{"not a JWT", "abc", "not a JWT"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			at := now
			if tt.name == "expired" {
				at = now.Add(2 * time.Hour)
			}
			_, err := parseDevToken(tt.token, []string{"groundwork-dev"}, at)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
		})
	}
}

func TestFrontDoor(t *testing.T) {
	d, err := Load(goldenAPI, "")
	if err != nil {
		t.Fatal(err)
	}
	var got []events.APIGatewayV2HTTPRequest
	var deadlines []time.Duration
	fd := &FrontDoor{Definitions: d, Invoke: func(ctx context.Context, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		got = append(got, req)
		dl, _ := ctx.Deadline()
		deadlines = append(deadlines, time.Until(dl))
		return events.APIGatewayV2HTTPResponse{StatusCode: 201, Body: `{"ok":true}`, Headers: map[string]string{"Location": "/orders/1"}}, nil
	}}
	tok := DevToken("alice", "groundwork-dev", time.Hour, time.Now())
	tests := []struct {
		name, method, path, token, body string
		wantStatus                      int
		wantBody                        string
		invoked                         bool
	}{
		{"POST /orders", "POST", "/orders", tok, `{"a":1}`, 201, `{"ok":true}`, true},
		{"GET /orders/{id}", "GET", "/orders/abc-123", tok, "", 201, `{"ok":true}`, true},
		{"binary body is base64", "POST", "/orders", tok, "\xff\xfe", 201, `{"ok":true}`, true},
		{"unknown route", "GET", "/orders", tok, "", 404, `{"message":"Not Found"}`, false},
		{"extra segment", "GET", "/orders/a/b", tok, "", 404, `{"message":"Not Found"}`, false},
		{"no token", "POST", "/orders", "", `{}`, 401, `{"message":"Unauthorized"}`, false},
		{"bad token", "POST", "/orders", "x.y.z", `{}`, 401, `{"message":"Unauthorized"}`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, deadlines = nil, nil
			req := httptest.NewRequest(tt.method, tt.path, strings.NewReader(tt.body))
			if tt.token != "" {
				req.Header.Set("Authorization", "Bearer "+tt.token)
			}
			rec := httptest.NewRecorder()
			fd.ServeHTTP(rec, req)
			if rec.Code != tt.wantStatus || strings.TrimSpace(rec.Body.String()) != tt.wantBody {
				t.Fatalf("got %d %s, want %d %s", rec.Code, rec.Body, tt.wantStatus, tt.wantBody)
			}
			if (len(got) == 1) != tt.invoked {
				t.Fatalf("invoked %d times, want invoked=%v", len(got), tt.invoked)
			}
			if !tt.invoked {
				return
			}
			ev := got[0]
			if ev.RequestContext.HTTP.Method != tt.method || ev.RequestContext.Authorizer.JWT.Claims["sub"] != "alice" {
				t.Errorf("event method %q claims %v, want %s and the token's sub", ev.RequestContext.HTTP.Method, ev.RequestContext.Authorizer.JWT.Claims, tt.method)
			}
			if rec.Header().Get("Location") != "/orders/1" {
				t.Errorf("response headers not passed through: %v", rec.Header())
			}
			if deadlines[0] <= 29*time.Second || deadlines[0] > 30*time.Second {
				t.Errorf("deadline in %v, want the function's 30 s timeout", deadlines[0])
			}
			switch tt.name {
			case "GET /orders/{id}":
				if ev.RouteKey != "GET /orders/{id}" || ev.PathParameters["id"] != "abc-123" {
					t.Errorf("route %q params %v", ev.RouteKey, ev.PathParameters)
				}
			case "POST /orders":
				if ev.RouteKey != "POST /orders" || ev.Body != tt.body || ev.IsBase64Encoded {
					t.Errorf("route %q body %q base64 %v", ev.RouteKey, ev.Body, ev.IsBase64Encoded)
				}
			case "binary body is base64":
				if !ev.IsBase64Encoded || ev.Body != base64.StdEncoding.EncodeToString([]byte(tt.body)) {
					t.Errorf("body %q base64 %v", ev.Body, ev.IsBase64Encoded)
				}
			}
		})
	}
}

func TestCheckLoopback(t *testing.T) {
	tests := []struct {
		endpoint string
		ok       bool
	}{
		{"http://127.0.0.1:5000", true},
		{"http://localhost:5000", true},
		{"http://[::1]:5000", true},
		{"https://dynamodb.eu-west-1.amazonaws.com", false},
		{"http://10.0.0.5:5000", false},
		{"127.0.0.1:5000", false},
	}
	for _, tt := range tests {
		err := checkLoopback(tt.endpoint)
		if (err == nil) != tt.ok {
			t.Errorf("checkLoopback(%q) = %v, want ok=%v", tt.endpoint, err, tt.ok)
		}
		if err != nil && !strings.Contains(err.Error(), "127.0.0.1:5000") {
			t.Errorf("error %v does not show the fix", err)
		}
	}
}
