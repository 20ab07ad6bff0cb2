package stacks_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"

	"github.com/groundwork-cdk/groundwork/audit"
	"github.com/groundwork-cdk/groundwork/internal/testkit"
	"github.com/groundwork-cdk/groundwork/stacks"
)

// Custom-domain fixtures: prod with a hosted zone and an API certificate.
const (
	zoneID      = "Z0123456789ABCDEFGHIJ"
	zoneName    = "example.com"
	apiCertArn  = "arn:aws:acm:eu-west-1:333333333333:certificate/22222222-3333-4444-5555-666666666666"
	wrongRegion = "arn:aws:acm:us-east-1:333333333333:certificate/22222222-3333-4444-5555-666666666666"
)

// domainContext configures prod's custom domains through the context keys.
var domainContext = map[string]any{
	"groundwork:environments":           "prod",
	"groundwork:prod:hostedZoneId":      zoneID,
	"groundwork:prod:hostedZoneName":    zoneName,
	"groundwork:prod:apiCertificateArn": apiCertArn,
}

// domainSynth builds prod with custom domains, once for the package.
var domainSynth = testkit.Once(func() awscdk.App {
	app := testkit.NewValidatedApp(domainContext)
	configs, err := stacks.FromContext(app.Node())
	if err != nil {
		panic(err)
	}
	stacks.Build(app, configs, stacks.Options{})
	return app
})

func TestCustomDomains(t *testing.T) {
	asm := domainSynth.Assembly(t)
	api := asm.Stack(t, "Groundwork-Prod-Api")
	svc := asm.Stack(t, "Groundwork-Prod-Service")
	domain := api.LogicalID(t, "ApiDomain")
	tests := []struct {
		name  string
		s     *testkit.Stack
		typ   string
		props any
	}{
		{"API: execute-api endpoint disabled, so that clients cannot bypass the domain", api, "AWS::ApiGatewayV2::Api", map[string]any{
			"DisableExecuteApiEndpoint": true}},
		{"API domain: regional, TLS 1.2, the configured certificate", api, "AWS::ApiGatewayV2::DomainName", map[string]any{
			"DomainName": "api.example.com",
			"DomainNameConfigurations": []any{map[string]any{
				"CertificateArn": apiCertArn, "EndpointType": "REGIONAL", "SecurityPolicy": "TLS_1_2"}},
		}},
		{"API mapping: the $default stage under /v1", api, "AWS::ApiGatewayV2::ApiMapping", map[string]any{
			"ApiId": api.Ref(t, "HttpApi"), "DomainName": map[string]any{"Ref": domain},
			"Stage": "$default", "ApiMappingKey": "v1",
		}},
		{"API alias record in the zone, to the domain's regional endpoint", api, "AWS::Route53::RecordSet", map[string]any{
			"Name": "api.example.com.", "Type": "A", "HostedZoneId": zoneID,
			"AliasTarget": map[string]any{
				"DNSName":      map[string]any{"Fn::GetAtt": []any{domain, "RegionalDomainName"}},
				"HostedZoneId": map[string]any{"Fn::GetAtt": []any{domain, "RegionalHostedZoneId"}},
			},
		}},
		{"API URL published with the domain and version", api, "AWS::SSM::Parameter", map[string]any{
			"Name": "/groundwork/prod/api/url", "Value": "https://api.example.com/v1"}},
		{"service alias record in the zone, to the load balancer", svc, "AWS::Route53::RecordSet", map[string]any{
			"Name": "service.example.com.", "Type": "A", "HostedZoneId": zoneID,
			"AliasTarget": map[string]any{
				"DNSName": map[string]any{"Fn::Join": []any{"", []any{"dualstack.",
					map[string]any{"Fn::GetAtt": []any{svc.LogicalID(t, "ApiService/LoadBalancer"), "DNSName"}}}}},
				"HostedZoneId": map[string]any{"Fn::GetAtt": []any{svc.LogicalID(t, "ApiService/LoadBalancer"), "CanonicalHostedZoneID"}},
			},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.s.HasResourceProperties(t, tc.typ, tc.props) })
	}
	t.Run("API mapping waits for the stage", func(t *testing.T) {
		api.HasResource(t, "AWS::ApiGatewayV2::ApiMapping", map[string]any{"DependsOn": []any{api.LogicalID(t, "HttpApi/DefaultStage")}})
	})
	for _, s := range []*testkit.Stack{api, svc} {
		t.Run(s.Name+" has one alias record and no domain warning", func(t *testing.T) {
			s.ResourceCountIs(t, "AWS::Route53::RecordSet", 1)
			for _, m := range s.Messages {
				if m.Level == "warning" && strings.Contains(m.Text, "no hosted zone configured") {
					t.Errorf("unexpected warning: %s", m.Text)
				}
			}
		})
	}
	for _, name := range asm.Names() {
		t.Run(name+" is nag and audit clean", func(t *testing.T) {
			s := asm.Stack(t, name)
			testkit.RequireNagClean(t, s)
			for _, f := range audit.Check(s.Name, s.Template, audit.Options{RetainStateful: true, Account: "333333333333"}) {
				t.Error(f)
			}
		})
	}
	t.Run("the domain context changes no named resource of the default prod (a later opt-in deploys)", func(t *testing.T) {
		before := assembly(t)
		for _, name := range asm.Names() {
			for _, f := range audit.CheckUpdate(name, before.Stack(t, name).Template, asm.Stack(t, name).Template) {
				t.Error(f)
			}
		}
	})
}

func TestNoDomainKeepsAWSEndpoints(t *testing.T) {
	asm := assembly(t)
	for _, cfg := range stacks.Defaults() {
		api, svc := asm.Stack(t, cfg.StackName("Api")), asm.Stack(t, cfg.StackName("Service"))
		t.Run(cfg.Name, func(t *testing.T) {
			api.HasResourceProperties(t, "AWS::ApiGatewayV2::Api", map[string]any{"DisableExecuteApiEndpoint": false})
			for _, s := range []*testkit.Stack{api, svc} {
				s.ResourceCountIs(t, "AWS::Route53::RecordSet", 0)
				s.ResourceCountIs(t, "AWS::ApiGatewayV2::DomainName", 0)
			}
			for s, what := range map[*testkit.Stack]string{api: "the orders API", svc: "the api-service"} {
				s.HasWarning(t, cfg.Name+": no hosted zone configured, so "+what+" has no custom domain and serves on its AWS endpoint")
				s.HasWarning(t, "set groundwork:"+cfg.Name+":hostedZoneId, groundwork:"+cfg.Name+":hostedZoneName, groundwork:"+cfg.Name+":apiDomainName, groundwork:"+cfg.Name+":apiCertificateArn")
			}
		})
	}
}

func TestEdgeProtection(t *testing.T) {
	asm := assembly(t)
	for _, cfg := range stacks.Defaults() {
		svc, obs := asm.Stack(t, cfg.StackName("Service")), asm.Stack(t, cfg.StackName("Observability"))
		t.Run(cfg.Name, func(t *testing.T) {
			svc.ResourceCountIs(t, "AWS::WAFv2::WebACL", 1)
			svc.HasResourceProperties(t, "AWS::WAFv2::WebACLAssociation", map[string]any{
				"ResourceArn": svc.Ref(t, "ApiService/LoadBalancer")})
			svc.HasResourceProperties(t, "AWS::WAFv2::LoggingConfiguration", map[string]any{
				"LogDestinationConfigs": []any{"arn:aws:logs:" + cfg.Region + ":" + cfg.Account + ":log-group:aws-waf-logs-" + cfg.StackName("Service") + "-ApiService-WafLogs"}})
			svc.HasResourceProperties(t, "AWS::ElasticLoadBalancingV2::TargetGroup", map[string]any{
				"Protocol": "HTTPS", "HealthCheckProtocol": "HTTPS"})
			svc.HasResourceProperties(t, "AWS::CloudWatch::Alarm", map[string]any{
				"Namespace": "AWS/WAFV2", "MetricName": "BlockedRequests",
				"AlarmActions": []any{cfg.AlarmTopicArn()}})
			body := dashboardBody(t, obs)
			for _, want := range []string{"## Edge: AWS WAF web ACL of the api-service load balancer",
				"WAF requests: allowed, blocked, counted", "WAF blocked requests by rule",
				`"AWS/WAFV2","AllowedRequests"`, `"AWS/WAFV2","BlockedRequests"`, "RateLimitPerClientIp"} {
				if !strings.Contains(body, want) {
					t.Errorf("dashboard lacks %q", want)
				}
			}
		})
	}
}

// dashboardBody is the dashboard's body with its Fn::Join flattened.
func dashboardBody(t *testing.T, s *testkit.Stack) string {
	t.Helper()
	ids := s.Resources("AWS::CloudWatch::Dashboard")
	if len(ids) != 1 {
		t.Fatalf("%d dashboards", len(ids))
	}
	props, _ := s.Resource(t, ids[0])["Properties"].(map[string]any)
	b, err := json.Marshal(props["DashboardBody"])
	if err != nil {
		t.Fatal(err)
	}
	return strings.ReplaceAll(string(b), `\"`, `"`)
}

func TestDomainConfigRejectsBadSettings(t *testing.T) {
	withZone := func(edit func(d *stacks.DomainConfig)) func(c *stacks.Config) {
		return func(c *stacks.Config) {
			c.Domain = stacks.DomainConfig{HostedZoneId: zoneID, HostedZoneName: zoneName, ApiCertificateArn: apiCertArn}
			edit(&c.Domain)
		}
	}
	tests := []struct {
		name string
		edit func(c *stacks.Config)
		want []string
	}{
		{"API certificate from another region", withZone(func(d *stacks.DomainConfig) { d.ApiCertificateArn = wrongRegion }),
			[]string{`Domain.ApiCertificateArn = "` + wrongRegion + `"`, "the certificate is in us-east-1, the environment in eu-west-1",
				"a regional API Gateway custom domain uses ACM certificates of its own Region only", "-c groundwork:prod:apiCertificateArn=<arn>"}},
		{"load balancer certificate from another region", func(c *stacks.Config) { c.Service.CertificateArn = wrongRegion },
			[]string{`Service.CertificateArn = "` + wrongRegion + `"`, "in us-east-1, the environment in eu-west-1", "an Application Load Balancer"}},
		{"certificate that is not ACM's", withZone(func(d *stacks.DomainConfig) {
			d.ApiCertificateArn = "arn:aws:iam::333333333333:server-certificate/api"
		}), []string{"Domain.ApiCertificateArn", "an ACM certificate ARN is arn:<partition>:acm:", "IAM server certificates are not accepted"}},
		{"zone without an API certificate", withZone(func(d *stacks.DomainConfig) { d.ApiCertificateArn = "" }),
			[]string{`Domain.ApiCertificateArn = ""`, "ACM certificate for api.example.com", "-c groundwork:prod:apiCertificateArn="}},
		{"API domain outside the zone", withZone(func(d *stacks.DomainConfig) { d.ApiDomainName = "api.example.org" }),
			[]string{`Domain.ApiDomainName = "api.example.org"`, "outside the hosted zone example.com", "use a name under example.com (e.g. api.example.com)"}},
		{"service domain outside the zone (a suffix is not a subdomain)", withZone(func(d *stacks.DomainConfig) { d.ServiceDomainName = "service.notexample.com" }),
			[]string{`Domain.ServiceDomainName = "service.notexample.com"`, "outside the hosted zone example.com"}},
		{"zone id with the /hostedzone/ prefix", withZone(func(d *stacks.DomainConfig) { d.HostedZoneId = "/hostedzone/" + zoneID }),
			[]string{`Domain.HostedZoneId = "/hostedzone/` + zoneID + `"`, "without the /hostedzone/ prefix"}},
		{"zone id without its name", withZone(func(d *stacks.DomainConfig) { d.HostedZoneName = "" }),
			[]string{`Domain.HostedZoneName = ""`, "needs both id and name", "-c groundwork:prod:hostedZoneName=example.com"}},
		{"domain settings without a zone", func(c *stacks.Config) { c.Domain.ApiDomainName = "api.example.com" },
			[]string{`Domain.ApiDomainName = "api.example.com"`, "custom domains need the hosted zone", "-c groundwork:prod:hostedZoneId="}},
		{"version path with a slash", withZone(func(d *stacks.DomainConfig) { d.ApiVersionPath = "v1/beta" }),
			[]string{`Domain.ApiVersionPath = "v1/beta"`, "one path segment"}},
		{"one name for both", withZone(func(d *stacks.DomainConfig) { d.ServiceDomainName = "api.example.com" }),
			[]string{`Domain.ServiceDomainName = "api.example.com"`, "need different names"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := stacks.Defaults()[2] // prod
			tc.edit(&c)
			err := c.Validate()
			if err == nil {
				t.Fatal("want an error")
			}
			testkit.Contains(t, "error", err.Error(), tc.want...)
		})
	}
	t.Run("a valid zone with defaults passes", func(t *testing.T) {
		c := stacks.Defaults()[2]
		withZone(func(*stacks.DomainConfig) {})(&c)
		if err := c.Validate(); err != nil {
			t.Error(err)
		}
	})
	t.Run("context keys reach the config", func(t *testing.T) {
		configs, err := stacks.FromContext(testkit.NewApp(map[string]any{
			"groundwork:environments": "prod", "groundwork:prod:hostedZoneId": zoneID, "groundwork:prod:hostedZoneName": zoneName,
			"groundwork:prod:apiCertificateArn": apiCertArn, "groundwork:prod:apiDomainName": "orders.example.com",
			"groundwork:prod:apiVersionPath": "v2", "groundwork:prod:serviceDomainName": "app.example.com",
		}).Node())
		if err != nil {
			t.Fatal(err)
		}
		want := stacks.DomainConfig{HostedZoneId: zoneID, HostedZoneName: zoneName, ApiCertificateArn: apiCertArn,
			ApiDomainName: "orders.example.com", ApiVersionPath: "v2", ServiceDomainName: "app.example.com"}
		if got := configs[0].Domain; got != want {
			t.Errorf("domain %+v, want %+v", got, want)
		}
	})
}
