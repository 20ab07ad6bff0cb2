package stacks

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscertificatemanager"
	elbv2 "github.com/aws/aws-cdk-go/awscdk/v2/awselasticloadbalancingv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsroute53"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsroute53targets"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/groundwork-cdk/groundwork/validate"
)

// DomainConfig configures the environment's custom domains (the guidance's
// API Gateway section: a custom domain, a Route 53 alias, stage mapping for
// versions). Without HostedZoneId the orders API and the api-service keep
// their AWS endpoints (execute-api and the load balancer's DNS name), and
// synthesis warns with the context keys to set.
//
// The hosted zone is given by id and name, so that synthesis looks nothing up.
type DomainConfig struct {
	// HostedZoneId is the Route 53 public hosted zone, e.g. "Z0123456789ABCDEFGHIJ".
	// Default: none (no custom domains).
	HostedZoneId string
	// HostedZoneName is the zone's domain name, e.g. "example.com".
	// Default: none.
	HostedZoneName string
	// ApiDomainName is the orders API's custom domain, in the zone.
	// Default: "api.<HostedZoneName>".
	ApiDomainName string
	// ApiCertificateArn is the ACM certificate of ApiDomainName, in the
	// environment's Region (a regional API Gateway endpoint uses a
	// certificate of its own Region). Required with a hosted zone.
	// Default: none.
	ApiCertificateArn string
	// ApiVersionPath is the API mapping key: clients call
	// https://<ApiDomainName>/<ApiVersionPath>/orders.
	// Default: DefaultApiVersionPath ("v1").
	ApiVersionPath string
	// ServiceDomainName is the api-service's domain, in the zone: an alias
	// record to its load balancer. Service.CertificateArn must cover it.
	// Default: "service.<HostedZoneName>".
	ServiceDomainName string
}

// DefaultApiVersionPath is the default API mapping key.
const DefaultApiVersionPath = "v1"

// Enabled reports whether the environment has custom domains.
func (d DomainConfig) Enabled() bool { return d.HostedZoneId != "" }

// withDefaults fills the domain names and the version path of a configured
// zone.
func (d DomainConfig) withDefaults() DomainConfig {
	if !d.Enabled() {
		return d
	}
	d.HostedZoneName = strings.TrimSuffix(d.HostedZoneName, ".")
	if d.ApiDomainName == "" {
		d.ApiDomainName = "api." + d.HostedZoneName
	}
	if d.ServiceDomainName == "" {
		d.ServiceDomainName = "service." + d.HostedZoneName
	}
	if d.ApiVersionPath == "" {
		d.ApiVersionPath = DefaultApiVersionPath
	}
	return d
}

// domainContextKeys are the context keys of DomainConfig, after
// groundwork:<env>:.
var domainContextKeys = []string{"hostedZoneId", "hostedZoneName", "apiDomainName", "apiCertificateArn", "apiVersionPath", "serviceDomainName"}

// fromContext applies the domain context keys, read through get.
func (d *DomainConfig) fromContext(get func(key string) string) {
	for _, f := range []struct {
		key string
		dst *string
	}{
		{"hostedZoneId", &d.HostedZoneId}, {"hostedZoneName", &d.HostedZoneName},
		{"apiDomainName", &d.ApiDomainName}, {"apiCertificateArn", &d.ApiCertificateArn},
		{"apiVersionPath", &d.ApiVersionPath}, {"serviceDomainName", &d.ServiceDomainName},
	} {
		if v := get(f.key); v != "" {
			*f.dst = v
		}
	}
}

var (
	// hostedZoneIdRe is a Route 53 hosted zone id.
	hostedZoneIdRe = regexp.MustCompile(`^Z[A-Z0-9]{1,31}$`)
	// dnsNameRe is a lower-case DNS name of at least two labels.
	dnsNameRe = regexp.MustCompile(`^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$`)
	// mappingKeyRe is an API mapping key of one path segment.
	mappingKeyRe = regexp.MustCompile(`^[A-Za-z0-9._~-]{1,128}$`)
	// acmArnRe is an ACM certificate ARN: partition, region, account, id.
	acmArnRe = regexp.MustCompile(`^arn:(aws|aws-cn|aws-us-gov):acm:([a-z]{2}(?:-gov)?-[a-z]+-\d):(\d{12}):certificate/[0-9a-f-]{36}$`)
)

// validateCertificateArn checks that arn is an ACM certificate of region.
func validateCertificateArn(field, arn, region, user, contextKey string) error {
	m := acmArnRe.FindStringSubmatch(arn)
	switch {
	case m == nil:
		return validate.Fail(field, arn, "an ACM certificate ARN is arn:<partition>:acm:<region>:<12-digit account>:certificate/<UUID> (ACM ARN format; IAM server certificates are not accepted)",
			"copy the ARN from `aws acm list-certificates --region "+region+"` and pass -c "+contextKey+"=<arn>")
	case m[2] != region:
		return validate.Fail(field, arn, fmt.Sprintf("the certificate is in %s, the environment in %s; %s uses ACM certificates of its own Region only", m[2], region, user),
			fmt.Sprintf("request or import the certificate in ACM in %s and pass that ARN with -c %s=<arn>", region, contextKey))
	}
	return nil
}

// validate checks the domain settings of environment env in region.
func (d DomainConfig) validate(env, region string) []error {
	key := func(k string) string { return contextPrefix + env + ":" + k }
	if !d.Enabled() {
		var errs []error
		for _, f := range []struct{ field, value, key string }{
			{"Domain.HostedZoneName", d.HostedZoneName, "hostedZoneName"}, {"Domain.ApiDomainName", d.ApiDomainName, "apiDomainName"},
			{"Domain.ApiCertificateArn", d.ApiCertificateArn, "apiCertificateArn"}, {"Domain.ServiceDomainName", d.ServiceDomainName, "serviceDomainName"},
			{"Domain.ApiVersionPath", d.ApiVersionPath, "apiVersionPath"},
		} {
			if f.value != "" {
				errs = append(errs, validate.Fail(f.field, f.value, "custom domains need the hosted zone they live in",
					"pass -c "+key("hostedZoneId")+"=Z… and -c "+key("hostedZoneName")+"=<zone>, or drop -c "+key(f.key)))
			}
		}
		return errs
	}
	d = d.withDefaults()
	var errs []error
	if !hostedZoneIdRe.MatchString(d.HostedZoneId) {
		errs = append(errs, validate.Fail("Domain.HostedZoneId", d.HostedZoneId, "a Route 53 hosted zone id is Z followed by up to 31 upper-case letters and digits (without the /hostedzone/ prefix)",
			"copy the id from `aws route53 list-hosted-zones-by-name` and pass -c "+key("hostedZoneId")+"=Z0123456789ABCDEFGHIJ"))
	}
	if !dnsNameRe.MatchString(d.HostedZoneName) {
		errs = append(errs, validate.Fail("Domain.HostedZoneName", d.HostedZoneName, "the hosted zone's name is a lower-case DNS name (synthesis does not look the zone up, so it needs both id and name)",
			"pass -c "+key("hostedZoneName")+"=example.com"))
	}
	for _, f := range []struct{ field, name, key string }{
		{"Domain.ApiDomainName", d.ApiDomainName, "apiDomainName"},
		{"Domain.ServiceDomainName", d.ServiceDomainName, "serviceDomainName"},
	} {
		switch {
		case !dnsNameRe.MatchString(f.name):
			errs = append(errs, validate.Fail(f.field, f.name, "a domain name is a lower-case DNS name", "pass -c "+key(f.key)+"=<name>."+d.HostedZoneName))
		case dnsNameRe.MatchString(d.HostedZoneName) && !strings.HasSuffix(f.name, "."+d.HostedZoneName):
			errs = append(errs, validate.Fail(f.field, f.name, fmt.Sprintf("the domain is outside the hosted zone %s, which cannot hold its alias record", d.HostedZoneName),
				fmt.Sprintf("use a name under %s (e.g. %s), or configure the zone that holds %s", d.HostedZoneName, strings.SplitN(f.name, ".", 2)[0]+"."+d.HostedZoneName, f.name)))
		}
	}
	if d.ApiDomainName == d.ServiceDomainName {
		errs = append(errs, validate.Fail("Domain.ServiceDomainName", d.ServiceDomainName, "the API and the api-service need different names (each gets its own alias record)",
			"pass -c "+key("serviceDomainName")+"=service."+d.HostedZoneName))
	}
	if d.ApiCertificateArn == "" {
		errs = append(errs, validate.Fail("Domain.ApiCertificateArn", "", "the API's custom domain serves TLS with an ACM certificate for "+d.ApiDomainName,
			"request one in ACM in "+region+" and pass -c "+key("apiCertificateArn")+"=arn:aws:acm:"+region+":<account>:certificate/<id>"))
	} else if err := validateCertificateArn("Domain.ApiCertificateArn", d.ApiCertificateArn, region,
		"a regional API Gateway custom domain", key("apiCertificateArn")); err != nil {
		errs = append(errs, err)
	}
	if !mappingKeyRe.MatchString(d.ApiVersionPath) {
		errs = append(errs, validate.Fail("Domain.ApiVersionPath", d.ApiVersionPath, "the API mapping key is one path segment of letters, digits and . _ ~ -",
			"pass -c "+key("apiVersionPath")+"=v1"))
	}
	return errs
}

// warnNoDomain warns, on stack, that what serves on its AWS endpoint has no
// custom domain, naming the context keys to set.
func warnNoDomain(stack awscdk.Stack, cfg Config, what string) {
	keys := make([]string, len(domainContextKeys))
	for i, k := range domainContextKeys {
		keys[i] = contextPrefix + cfg.Name + ":" + k
	}
	awscdk.Annotations_Of(stack).AddWarningV2(jsii.String("groundwork:domain:none"),
		jsii.String(cfg.Name+": no hosted zone configured, so "+what+" has no custom domain and serves on its AWS endpoint; "+
			"set "+strings.Join(keys, ", ")+" (id and name of the zone, no lookup at synth; the names default to api.<zone> and service.<zone>)"), nil)
}

// hostedZone imports the configured zone by id and name (no lookup).
func hostedZone(scope constructs.Construct, d DomainConfig) awsroute53.IHostedZone {
	return awsroute53.HostedZone_FromHostedZoneAttributes(scope, jsii.String("HostedZone"), &awsroute53.HostedZoneAttributes{
		HostedZoneId: jsii.String(d.HostedZoneId), ZoneName: jsii.String(d.HostedZoneName),
	})
}

// ApiDomain is the orders API's custom domain.
type ApiDomain struct {
	// DomainName is the regional API Gateway custom domain (TLS 1.2).
	DomainName awsapigatewayv2.DomainName
	// Mapping maps the $default stage under the version path.
	Mapping awsapigatewayv2.ApiMapping
	// Record is the Route 53 alias to the domain's regional endpoint.
	Record awsroute53.ARecord
	// URL is https://<domain>/<version path>.
	URL string
}

// newApiDomain gives the HTTP API its custom domain: a regional domain name
// with the TLS 1.2 security policy, an API mapping of the stage under the
// version path, and an alias record in the zone.
func newApiDomain(scope constructs.Construct, d DomainConfig, api awsapigatewayv2.HttpApi, stage awsapigatewayv2.IStage) *ApiDomain {
	d = d.withDefaults()
	domain := awsapigatewayv2.NewDomainName(scope, jsii.String("ApiDomain"), &awsapigatewayv2.DomainNameProps{
		DomainName: jsii.String(d.ApiDomainName),
		Certificate: awscertificatemanager.Certificate_FromCertificateArn(scope, jsii.String("ApiCertificate"),
			jsii.String(d.ApiCertificateArn)),
		EndpointType:   awsapigatewayv2.EndpointType_REGIONAL,
		SecurityPolicy: awsapigatewayv2.SecurityPolicy_TLS_1_2,
	})
	mapping := awsapigatewayv2.NewApiMapping(scope, jsii.String("ApiMapping"), &awsapigatewayv2.ApiMappingProps{
		Api: api, DomainName: domain, Stage: stage, ApiMappingKey: jsii.String(d.ApiVersionPath),
	})
	record := awsroute53.NewARecord(scope, jsii.String("ApiAliasRecord"), &awsroute53.ARecordProps{
		Zone:       hostedZone(scope, d),
		RecordName: jsii.String(d.ApiDomainName + "."),
		Comment:    jsii.String("Orders API custom domain"),
		Target: awsroute53.RecordTarget_FromAlias(awsroute53targets.NewApiGatewayv2DomainProperties(
			domain.RegionalDomainName(), domain.RegionalHostedZoneId())),
	})
	return &ApiDomain{DomainName: domain, Mapping: mapping, Record: record,
		URL: "https://" + d.ApiDomainName + "/" + d.ApiVersionPath}
}

// newServiceRecord is the alias record of the api-service's domain to its
// load balancer.
func newServiceRecord(scope constructs.Construct, d DomainConfig, lb elbv2.IApplicationLoadBalancer) awsroute53.ARecord {
	d = d.withDefaults()
	return awsroute53.NewARecord(scope, jsii.String("ServiceAliasRecord"), &awsroute53.ARecordProps{
		Zone:       hostedZone(scope, d),
		RecordName: jsii.String(d.ServiceDomainName + "."),
		Comment:    jsii.String("api-service custom domain"),
		Target:     awsroute53.RecordTarget_FromAlias(awsroute53targets.NewLoadBalancerTarget(lb, nil)),
	})
}
