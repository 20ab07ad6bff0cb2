package stacks

import (
	"encoding/json"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2authorizers"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2integrations"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/groundwork-cdk/groundwork/kmskey"
)

// OrdersAPI is the HTTP API in front of the orders function.
type OrdersAPI struct {
	// Api is the HTTP API with its two routes and JWT authorizer.
	Api awsapigatewayv2.HttpApi
	// Stage is the $default stage (throttling, access logs).
	Stage awsapigatewayv2.HttpStage
	// AccessLogs receives the stage's JSON access logs.
	AccessLogs awslogs.LogGroup
	// Domain is the API's custom domain (nil without a configured hosted
	// zone: the API then serves on its execute-api endpoint).
	Domain *ApiDomain
}

// URL is where clients reach the API: the custom domain with its version
// path, or else the execute-api endpoint.
func (o *OrdersAPI) URL() string {
	if o.Domain != nil {
		return o.Domain.URL
	}
	return *o.Api.ApiEndpoint()
}

// accessLogFormat is the JSON access-log line (API Gateway $context variables).
var accessLogFormat = func() string {
	b, err := json.Marshal(map[string]string{
		"requestId": "$context.requestId", "ip": "$context.identity.sourceIp", "requestTime": "$context.requestTime",
		"httpMethod": "$context.httpMethod", "routeKey": "$context.routeKey", "status": "$context.status",
		"protocol": "$context.protocol", "responseLength": "$context.responseLength",
		"integrationLatency": "$context.integrationLatency", "integrationError": "$context.integrationErrorMessage",
		"authorizerError": "$context.authorizer.error",
	})
	if err != nil {
		panic(err)
	}
	return string(b)
}()

// scopeInvokePermission narrows the permission HttpLambdaIntegration gives
// API Gateway to invoke the function, "<api>/*/*<path>" (any stage, any
// method), to the one method the route serves: "<api>/*/<METHOD><path>".
// The stage stays "*": the API has only its $default stage. SourceAccount
// pins the permission to this account as well.
func scopeInvokePermission(route awsapigatewayv2.HttpRoute, api awsapigatewayv2.HttpApi, method, path string) {
	for _, child := range *route.Node().Children() {
		perm, ok := child.(awslambda.CfnPermission)
		if !ok {
			continue
		}
		stack := awscdk.Stack_Of(route)
		perm.AddPropertyOverride(jsii.String("SourceArn"), stack.FormatArn(&awscdk.ArnComponents{
			Service: jsii.String("execute-api"), Resource: api.ApiId(),
			ResourceName: jsii.String("*/" + method + path),
		}))
		// The account too (Control Tower CT.LAMBDA.PR.2 reads SourceAccount;
		// it cannot read the joined SourceArn).
		perm.AddPropertyOverride(jsii.String("SourceAccount"), stack.Account())
	}
}

// newOrdersAPI creates the guidance's default API type, an HTTP API:
// POST /orders and GET /orders/{id} to fn, every route behind the JWT
// authorizer of cfg, default-route throttling, and JSON access logs to a
// KMS-encrypted log group. With a hosted zone in cfg.Domain, the API gets its
// custom domain (regional, TLS 1.2) with the stage mapped under the version
// path and a Route 53 alias, and the execute-api endpoint is disabled, so that
// clients cannot bypass the domain; without one, a warning names the context
// keys to set.
func newOrdersAPI(scope constructs.Construct, cfg Config, fn awslambda.IFunction) *OrdersAPI {
	api := awsapigatewayv2.NewHttpApi(scope, jsii.String("HttpApi"), &awsapigatewayv2.HttpApiProps{
		ApiName:            jsii.String("groundwork-" + cfg.Name + "-orders"),
		Description:        jsii.String("Groundwork " + cfg.Name + " orders API"),
		CreateDefaultStage: jsii.Bool(true),
		// Only the custom domain serves the API when there is one.
		DisableExecuteApiEndpoint: jsii.Bool(cfg.Domain.Enabled()),
	})
	auth := awsapigatewayv2authorizers.NewHttpJwtAuthorizer(jsii.String("Jwt"), jsii.String(cfg.Api.JwtIssuer),
		&awsapigatewayv2authorizers.HttpJwtAuthorizerProps{JwtAudience: jsii.Strings(cfg.Api.JwtAudience...)})
	integration := awsapigatewayv2integrations.NewHttpLambdaIntegration(jsii.String("Orders"), fn, nil)
	for _, r := range []struct {
		path   string
		method awsapigatewayv2.HttpMethod
	}{{"/orders", awsapigatewayv2.HttpMethod_POST}, {"/orders/{id}", awsapigatewayv2.HttpMethod_GET}} {
		routes := api.AddRoutes(&awsapigatewayv2.AddRoutesOptions{
			Path: jsii.String(r.path), Methods: &[]awsapigatewayv2.HttpMethod{r.method},
			Integration: integration, Authorizer: auth,
		})
		for _, route := range *routes {
			scopeInvokePermission(route, api, string(r.method), r.path)
		}
	}

	// Named, so that the key policy can pin CloudWatch Logs to this one group.
	logGroupName := "/groundwork/" + cfg.Name + "/api/access-logs"
	key := kmskey.New(scope, "ApiAccessLogsKey", "Encryption of the orders API access logs", cfg.RemovalPolicy(),
		kmskey.CloudWatchLogs(scope, logGroupName))
	logs := awslogs.NewLogGroup(scope, jsii.String("ApiAccessLogs"), &awslogs.LogGroupProps{
		LogGroupName:  jsii.String(logGroupName),
		Retention:     awslogs.RetentionDays_ONE_YEAR,
		EncryptionKey: key,
		RemovalPolicy: cfg.RemovalPolicy(),
	})
	// The default stage, tuned on its L1. (A stage added with AddStage made
	// CDK 2.276 render the API twice once another stack referenced this one:
	// "section 'Resources' already contains".)
	stage := api.DefaultStage().(awsapigatewayv2.HttpStage)
	cfnStage := stage.Node().DefaultChild().(awsapigatewayv2.CfnStage)
	cfnStage.SetDefaultRouteSettings(&awsapigatewayv2.CfnStage_RouteSettingsProperty{
		ThrottlingRateLimit:  jsii.Number(float64(cfg.Api.ThrottleRate)),
		ThrottlingBurstLimit: jsii.Number(float64(cfg.Api.ThrottleBurst)),
	})
	cfnStage.SetAccessLogSettings(&awsapigatewayv2.CfnStage_AccessLogSettingsProperty{
		DestinationArn: logs.LogGroupArn(),
		Format:         jsii.String(accessLogFormat),
	})
	out := &OrdersAPI{Api: api, Stage: stage, AccessLogs: logs}
	if cfg.Domain.Enabled() {
		out.Domain = newApiDomain(scope, cfg.Domain, api, stage)
	} else {
		warnNoDomain(awscdk.Stack_Of(scope), cfg, "the orders API")
	}
	return out
}
