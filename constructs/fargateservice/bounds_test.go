package fargateservice

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2/awscertificatemanager"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/jsii-runtime-go"

	"github.com/groundwork-cdk/groundwork/internal/testkit"
)

// TestBoundsValidation feeds Props.validate each numeric rule at its bound and
// one past it, on both sides, and each other rule one accepted and one
// rejected case. No synthesis: the VPC and certificate are imported by
// attribute. make mutate mutates validate.go and props.go against it. want
// lists parts of the message; nil means accepted.
func TestBoundsValidation(t *testing.T) {
	app := testkit.NewApp(nil)
	stack := testkit.NewStack(app, "Bounds")
	vpc := awsec2.Vpc_FromVpcAttributes(stack, jsii.String("Vpc"), &awsec2.VpcAttributes{
		VpcId: jsii.String("vpc-1"), AvailabilityZones: jsii.Strings("eu-west-1a", "eu-west-1b"),
		PublicSubnetIds:  jsii.Strings("subnet-p1", "subnet-p2"),
		PrivateSubnetIds: jsii.Strings("subnet-q1", "subnet-q2"),
	})
	cert := awscertificatemanager.Certificate_FromCertificateArn(stack, jsii.String("Cert"),
		jsii.String("arn:aws:acm:eu-west-1:123456789012:certificate/12345678-1234-1234-1234-123456789012"))
	const image = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/api:1.2.3"
	// worker and web are valid props; edit breaks one thing.
	worker := func(edit func(p *Props)) Props {
		p := Props{Vpc: vpc, Image: image, Worker: true}
		edit(&p)
		return p
	}
	web := func(edit func(p *Props)) Props {
		p := Props{Vpc: vpc, Image: image, Certificate: cert}
		edit(&p)
		return p
	}
	hc := func(edit func(h *HealthCheck)) Props {
		return worker(func(p *Props) { h := HealthCheck{}; edit(&h); p.HealthCheck = &h })
	}
	tests := []struct {
		name  string
		props Props
		want  []string
	}{
		{"worker defaults", worker(func(*Props) {}), nil},
		{"web defaults", web(func(*Props) {}), nil},

		{"5xx alarm -1", worker(func(p *Props) { p.Alarms.Http5xx = -1 }), []string{"Alarms.Http5xx = -1", "cannot be negative"}},
		{"unhealthy alarm -1", worker(func(p *Props) { p.Alarms.UnhealthyTargets = -1 }), []string{"Alarms.UnhealthyTargets = -1"}},
		{"CPU alarm -1 %", worker(func(p *Props) { p.Alarms.CPUPercent = -1 }), []string{"Alarms.CPUPercent = -1", "from 1 to 100"}},
		{"CPU alarm 100 %", worker(func(p *Props) { p.Alarms.CPUPercent = 100 }), nil},
		{"CPU alarm 101 %", worker(func(p *Props) { p.Alarms.CPUPercent = 101 }), []string{"Alarms.CPUPercent = 101"}},
		{"memory alarm 101 %", worker(func(p *Props) { p.Alarms.MemoryPercent = 101 }), []string{"Alarms.MemoryPercent = 101"}},
		{"memory alarm 100 %", worker(func(p *Props) { p.Alarms.MemoryPercent = 100 }), nil},
		{"response time -1 ns", worker(func(p *Props) { p.Alarms.TargetResponseTimeP99 = -1 }), []string{"Alarms.TargetResponseTimeP99", "cannot be negative"}},

		{"no VPC", worker(func(p *Props) { p.Vpc = nil }), []string{"Vpc", "the tasks need a VPC"}},
		{"no image", worker(func(p *Props) { p.Image = "" }), []string{"Image", "a container image is required"}},
		{"image and asset", worker(func(p *Props) { p.ImageAsset = "." }), []string{"ImageAsset", "alternatives"}},
		{"unknown architecture", worker(func(p *Props) { p.Architecture = Architecture(9) }), []string{"Architecture", "unknown architecture"}},

		{"CPU 300", worker(func(p *Props) { p.Cpu = 300 }), []string{"Cpu = 300", "one of 256, 512"}},
		{"CPU 256 with 512 MiB", worker(func(p *Props) { p.Cpu = 256; p.MemoryMiB = 512 }), nil},
		{"CPU 256 with 2048 MiB", worker(func(p *Props) { p.Cpu = 256; p.MemoryMiB = 2048 }), nil},
		{"CPU 256 with 3072 MiB", worker(func(p *Props) { p.Cpu = 256; p.MemoryMiB = 3072 }), []string{"MemoryMiB = 3072", "with Cpu 256, Fargate accepts MemoryMiB 512, 1024, 2048"}},
		{"CPU 512 with 4096 MiB", worker(func(p *Props) { p.MemoryMiB = 4096 }), nil},
		{"CPU 512 with 5120 MiB", worker(func(p *Props) { p.MemoryMiB = 5120 }), []string{"MemoryMiB = 5120"}},
		{"CPU 1024 with 1024 MiB", worker(func(p *Props) { p.Cpu = 1024; p.MemoryMiB = 1024 }), []string{"MemoryMiB = 1024"}},
		{"CPU 1024 with 2048 MiB", worker(func(p *Props) { p.Cpu = 1024; p.MemoryMiB = 2048 }), nil},
		{"CPU 8192 with 61440 MiB", worker(func(p *Props) { p.Cpu = 8192; p.MemoryMiB = 61440 }), nil},
		{"CPU 8192 with 20480 MiB (off step)", worker(func(p *Props) { p.Cpu = 8192; p.MemoryMiB = 18432 }), []string{"MemoryMiB = 18432"}},
		{"CPU 16384 with 122880 MiB", worker(func(p *Props) { p.Cpu = 16384; p.MemoryMiB = 122880 }), nil},
		{"CPU 16384 with 131072 MiB", worker(func(p *Props) { p.Cpu = 16384; p.MemoryMiB = 131072 }), []string{"MemoryMiB = 131072"}},

		{"port -1", web(func(p *Props) { p.ContainerPort = -1 }), []string{"ContainerPort = -1", "a port is 1-65535"}},
		{"port 1", web(func(p *Props) { p.ContainerPort = 1 }), nil},
		{"port 65535", web(func(p *Props) { p.ContainerPort = 65535 }), nil},
		{"port 65536", web(func(p *Props) { p.ContainerPort = 65536 }), []string{"ContainerPort = 65536"}},
		{"user root", worker(func(p *Props) { p.User = "root" }), []string{"User", "must not run as root"}},
		{"user 0:0", worker(func(p *Props) { p.User = "0:0" }), []string{"User", "must not run as root"}},
		{"user 1:0", worker(func(p *Props) { p.User = "1:0" }), nil},
		{"container name of 250", worker(func(p *Props) { p.ContainerName = strings.Repeat("c", 250) }), nil},
		{"container name of 251", worker(func(p *Props) { p.ContainerName = strings.Repeat("c", 251) }), []string{"ContainerName", "up to 250 here"}},
		{"container name with a dot", worker(func(p *Props) { p.ContainerName = "a.b" }), []string{"ContainerName"}},

		{"writable path relative", worker(func(p *Props) { p.WritablePaths = []string{"tmp"} }), []string{"WritablePaths[0]", "absolute directory other than /"}},
		{"writable path /", worker(func(p *Props) { p.WritablePaths = []string{"/tmp", "/./"} }), []string{"WritablePaths[1]", "absolute directory other than /"}},
		{"writable path twice", worker(func(p *Props) { p.WritablePaths = []string{"/tmp", "/tmp/"} }), []string{"WritablePaths[1]", "already WritablePaths[0]"}},
		{"init image without paths", worker(func(p *Props) { p.WritablePaths = []string{}; p.InitImage = image }), []string{"InitImage", "there are none"}},
		{"init image by tag", worker(func(p *Props) { p.InitImage = image }), []string{"InitImage", "pinned by digest"}},

		{"environment name with a dash", worker(func(p *Props) { p.Environment = map[string]string{"A-B": "x"} }), []string{"Environment", "letters, digits and underscores"}},
		{"secret-like environment name", worker(func(p *Props) { p.Environment = map[string]string{"DB_PASSWORD": "x"} }), []string{"the name looks like a secret"}},
		{"nil secret", worker(func(p *Props) { p.SecretsManager = map[string]awssecretsmanager.ISecret{"DB": nil} }), []string{"SecretsManager", "the secret is nil"}},

		{"health check interval 4 s", hc(func(h *HealthCheck) { h.Interval = 4 * time.Second }), []string{"HealthCheck.Interval = 4s", "whole seconds from 5s to 5m0s"}},
		{"health check interval 5 s", hc(func(h *HealthCheck) { h.Interval = 5 * time.Second }), nil},
		{"health check interval 300 s", hc(func(h *HealthCheck) { h.Interval = 300 * time.Second }), nil},
		{"health check interval 301 s", hc(func(h *HealthCheck) { h.Interval = 301 * time.Second }), []string{"HealthCheck.Interval = 5m1s"}},
		{"health check interval 5.5 s", hc(func(h *HealthCheck) { h.Interval = 5500 * time.Millisecond }), []string{"HealthCheck.Interval = 5.5s"}},
		{"health check timeout 1 s", hc(func(h *HealthCheck) { h.Timeout = time.Second }), []string{"HealthCheck.Timeout = 1s", "from 2s to 2m0s"}},
		{"health check timeout 2 s", hc(func(h *HealthCheck) { h.Timeout = 2 * time.Second }), nil},
		{"health check timeout 120 s", hc(func(h *HealthCheck) { h.Timeout = 120 * time.Second }), nil},
		{"health check timeout 121 s", hc(func(h *HealthCheck) { h.Timeout = 121 * time.Second }), []string{"HealthCheck.Timeout = 2m1s"}},
		{"health check start -1 s", hc(func(h *HealthCheck) { h.StartPeriod = -time.Second }), []string{"HealthCheck.StartPeriod = -1s"}},
		{"health check start 300 s", hc(func(h *HealthCheck) { h.StartPeriod = 300 * time.Second }), nil},
		{"health check start 301 s", hc(func(h *HealthCheck) { h.StartPeriod = 301 * time.Second }), []string{"HealthCheck.StartPeriod = 5m1s"}},
		{"health check retries -1", hc(func(h *HealthCheck) { h.Retries = -1 }), []string{"HealthCheck.Retries = -1", "1 to 10 retries"}},
		{"health check retries 1", hc(func(h *HealthCheck) { h.Retries = 1 }), nil},
		{"health check retries 10", hc(func(h *HealthCheck) { h.Retries = 10 }), nil},
		{"health check retries 11", hc(func(h *HealthCheck) { h.Retries = 11 }), []string{"HealthCheck.Retries = 11"}},
		{"health check command of 1", hc(func(h *HealthCheck) { h.Command = []string{"CMD"} }), []string{"HealthCheck.Command"}},
		{"health check command NONE", hc(func(h *HealthCheck) { h.Command = []string{"NONE", "x"} }), []string{"HealthCheck.Command"}},
		{"health check command CMD", hc(func(h *HealthCheck) { h.Command = []string{"CMD", "/app"} }), nil},

		{"grace period -1 s", web(func(p *Props) { p.HealthCheckGracePeriod = -time.Second }), []string{"HealthCheckGracePeriod = -1s", "whole, non-negative"}},
		{"grace period 60.5 s", web(func(p *Props) { p.HealthCheckGracePeriod = 60500 * time.Millisecond }), []string{"HealthCheckGracePeriod = 1m0.5s"}},
		{"grace period = start period - 1 s", web(func(p *Props) { p.HealthCheckGracePeriod = 59 * time.Second }), []string{"HealthCheckGracePeriod = 59s", "at least the container's start period (1m0s)", "set it to 1m0s or more"}},
		{"grace period = start period", web(func(p *Props) { p.HealthCheckGracePeriod = 60 * time.Second }), nil},
		{"grace period on a worker without checks", worker(func(p *Props) { p.HealthCheckGracePeriod = time.Second }), []string{"HealthCheckGracePeriod = 1s", "this worker has neither"}},

		{"desired -1", worker(func(p *Props) { p.DesiredCount = -1 }), []string{"DesiredCount = -1", "task counts cannot be negative"}},
		{"min -1", worker(func(p *Props) { p.MinCapacity = -1 }), []string{"MinCapacity = -1"}},
		{"max -1", worker(func(p *Props) { p.MaxCapacity = -1 }), []string{"MaxCapacity = -1"}},
		{"desired != min", worker(func(p *Props) { p.DesiredCount = 2; p.MinCapacity = 3 }), []string{"DesiredCount = 2", "MinCapacity (3) is the floor"}},
		{"desired = min", worker(func(p *Props) { p.DesiredCount = 3; p.MinCapacity = 3 }), nil},
		{"min = max + 1", worker(func(p *Props) { p.MinCapacity = 3; p.MaxCapacity = 2 }), []string{"MaxCapacity = 2", "MinCapacity (3) <= MaxCapacity (2)"}},
		{"min = max", worker(func(p *Props) { p.MinCapacity = 3; p.MaxCapacity = 3 }), nil},
		{"HA with a floor of 1", worker(func(p *Props) { p.RequireHighAvailability = true; p.MinCapacity = 1; p.MaxCapacity = 4 }), []string{"MinCapacity = 1", "at least 2 tasks", "the floor here is 1"}},
		{"HA with a desired count of 1", worker(func(p *Props) { p.RequireHighAvailability = true; p.DesiredCount = 1 }), []string{"DesiredCount = 1", "the floor here is 1"}},
		{"HA with a floor of 2", worker(func(p *Props) { p.RequireHighAvailability = true; p.MinCapacity = 2 }), nil},

		{"public IP", worker(func(p *Props) { p.AssignPublicIp = true }), []string{"AssignPublicIp", "private subnets without public IPs"}},
		{"public subnets by type", worker(func(p *Props) { p.VpcSubnets = &awsec2.SubnetSelection{SubnetType: awsec2.SubnetType_PUBLIC} }), []string{"VpcSubnets", "SubnetType_PUBLIC"}},
		{"private subnets by type", worker(func(p *Props) {
			p.VpcSubnets = &awsec2.SubnetSelection{SubnetType: awsec2.SubnetType_PRIVATE_WITH_EGRESS}
		}), nil},

		{"Spot on a web service", web(func(p *Props) { p.Spot = true }), []string{"Spot", "interrupted at two minutes' notice"}},
		{"Spot on a worker", worker(func(p *Props) { p.Spot = true }), nil},
		{"worker with a certificate", worker(func(p *Props) { p.Certificate = cert }), []string{"Certificate", "a Worker has no load balancer", "drop Certificate"}},
		{"worker with a port", worker(func(p *Props) { p.ContainerPort = 8080 }), []string{"ContainerPort", "drop ContainerPort"}},
		{"worker that is internal", worker(func(p *Props) { p.Internal = true }), []string{"Internal", "drop Internal"}},
		{"worker with a health check path", worker(func(p *Props) { p.HealthCheckPath = "/h" }), []string{"HealthCheckPath", "drop HealthCheckPath"}},
		{"worker with a log prefix", worker(func(p *Props) { p.AccessLogsPrefix = "alb" }), []string{"AccessLogsPrefix", "drop AccessLogsPrefix"}},
		{"worker without deletion protection", worker(func(p *Props) { p.DisableDeletionProtection = true }), []string{"DisableDeletionProtection"}},
		{"web without a certificate", web(func(p *Props) { p.Certificate = nil }), []string{"Certificate", "needs an ACM certificate"}},
		{"health check path without /", web(func(p *Props) { p.HealthCheckPath = "health" }), []string{"HealthCheckPath", "starts with /"}},
		{"log prefix with AWSLogs", web(func(p *Props) { p.AccessLogsPrefix = "x/AWSLogs" }), []string{"AccessLogsPrefix", "must not contain AWSLogs"}},
		{"log prefix starting with /", web(func(p *Props) { p.AccessLogsPrefix = "/alb" }), []string{"AccessLogsPrefix"}},
		{"log prefix ending with /", web(func(p *Props) { p.AccessLogsPrefix = "alb/" }), []string{"AccessLogsPrefix"}},
		{"log prefix with a slash inside", web(func(p *Props) { p.AccessLogsPrefix = "a/b" }), nil},
		{"bad removal policy", worker(func(p *Props) { p.RemovalPolicy = "keep" }), []string{"RemovalPolicy"}},
		{"public subnets by group name", worker(func(p *Props) {
			p.VpcSubnets = &awsec2.SubnetSelection{SubnetGroupName: jsii.String("Public")}
		}), []string{"VpcSubnets", "SubnetGroupName Public", "contains public subnets"}},
		{"private subnets by group name", worker(func(p *Props) {
			p.VpcSubnets = &awsec2.SubnetSelection{SubnetGroupName: jsii.String("Private")}
		}), nil},
		{"access key in an environment value", worker(func(p *Props) { p.Environment = map[string]string{"CONFIG": "id=AKIAABCDEFGHIJKLMNOP"} }),
			[]string{`Environment["CONFIG"] = <redacted, 23 characters>`, "looks like an AWS access key id"}},
		{"plain environment value", worker(func(p *Props) { p.Environment = map[string]string{"LOG_LEVEL": "info"} }), nil},
		{"long hex in a digest variable", worker(func(p *Props) { p.Environment = map[string]string{"BUILD_SHA": strings.Repeat("ab", 20)} }), nil},
		{"long hex elsewhere", worker(func(p *Props) { p.Environment = map[string]string{"BUILD": strings.Repeat("ab", 20)} }), []string{"a key (32 or more hex digits)"}},
		{"IAM server certificate", web(func(p *Props) {
			p.Certificate = awscertificatemanager.Certificate_FromCertificateArn(stack, jsii.String("IamCert"), jsii.String("arn:aws:iam::123456789012:server-certificate/web"))
		}), []string{"Certificate", "is a iam ARN, not an AWS Certificate Manager one"}},
		{"certificate in another region", web(func(p *Props) {
			p.Certificate = awscertificatemanager.Certificate_FromCertificateArn(stack, jsii.String("UsCert"),
				jsii.String("arn:aws:acm:us-east-1:123456789012:certificate/12345678-1234-1234-1234-123456789012"))
		}), []string{"Certificate", "in us-east-1, the load balancer in eu-west-1"}},
		{"malformed ACM ARN", web(func(p *Props) {
			p.Certificate = awscertificatemanager.Certificate_FromCertificateArn(stack, jsii.String("BadCert"), jsii.String("arn:aws:acm:eu-west-1:123456789012:certificate/x"))
		}), []string{"Certificate", "an ACM certificate ARN is arn:<partition>:acm:"}},
		{"internet-facing in private subnets", web(func(p *Props) {
			p.LoadBalancerSubnets = &awsec2.SubnetSelection{SubnetType: awsec2.SubnetType_PRIVATE_WITH_EGRESS}
		}), []string{"LoadBalancerSubnets", "needs public subnets"}},
		{"internal in private subnets", web(func(p *Props) {
			p.Internal = true
			p.LoadBalancerSubnets = &awsec2.SubnetSelection{SubnetType: awsec2.SubnetType_PRIVATE_WITH_EGRESS}
		}), nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.props.validate(stack)
			testkit.Verdict(t, err, tc.want)
		})
	}
}

// TestBoundsOnlyTheBadCountIsNamed: with one negative task count, the other
// counts at 0 (their default) are not reported.
func TestBoundsOnlyTheBadCountIsNamed(t *testing.T) {
	p := Props{Image: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/api:1.2.3", Worker: true, DesiredCount: -1}
	err := p.validate(nil)
	if err == nil || !strings.Contains(err.Error(), "DesiredCount = -1") {
		t.Fatalf("want DesiredCount = -1 reported, got %v", err)
	}
	for _, f := range []string{"MinCapacity = 0", "MaxCapacity = 0"} {
		if strings.Contains(err.Error(), f) {
			t.Errorf("%s reported:\n%v", f, err)
		}
	}
}

// TestBoundsDefaults pins every default withDefaults fills in, for a web
// service and a worker, and that set values are kept.
func TestBoundsDefaults(t *testing.T) {
	web := (&Props{}).withDefaults()
	hc := HealthCheck{Command: []string{"CMD-SHELL", "curl -fk https://localhost:8080/health || exit 1"},
		Interval: 30 * time.Second, Timeout: 5 * time.Second, StartPeriod: 60 * time.Second, Retries: 3}
	for _, c := range []struct {
		name      string
		got, want any
	}{
		{"Cpu", web.Cpu, 512}, {"MemoryMiB", web.MemoryMiB, 1024},
		{"MinCapacity", web.MinCapacity, 2}, {"DesiredCount", web.DesiredCount, 2}, {"MaxCapacity", web.MaxCapacity, 8},
		{"ContainerPort", web.ContainerPort, 8080}, {"ContainerName", web.ContainerName, "app"}, {"User", web.User, "1000:1000"},
		{"WritablePaths", strings.Join(web.WritablePaths, ","), "/tmp"}, {"HealthCheckPath", web.HealthCheckPath, "/health"},
		{"AccessLogsPrefix", web.AccessLogsPrefix, "alb"}, {"LogRetention", web.LogRetention, DefaultLogRetention},
		{"RemovalPolicy", web.RemovalPolicy, DefaultRemovalPolicy},
		{"healthCheck", fmt.Sprint(*web.healthCheck), fmt.Sprint(hc)}, {"gracePeriod", web.gracePeriod, 90 * time.Second},
		{"autoscaling", web.autoscaling(), true},
	} {
		if fmt.Sprint(c.got) != fmt.Sprint(c.want) {
			t.Errorf("web default %s = %v, want %v", c.name, c.got, c.want)
		}
	}
	worker := (&Props{Worker: true}).withDefaults()
	if worker.ContainerPort != 0 || worker.healthCheck != nil || worker.gracePeriod != 0 {
		t.Errorf("worker: port %d, health check %v, grace %v; want none", worker.ContainerPort, worker.healthCheck, worker.gracePeriod)
	}
	set := (&Props{Cpu: 1024, MemoryMiB: 2048, MinCapacity: 3, MaxCapacity: 3, ContainerPort: 9000, ContainerName: "api", User: "2000",
		WritablePaths: []string{}, HealthCheckPath: "/up", AccessLogsPrefix: "web", LogRetention: "ONE_YEAR", RemovalPolicy: "destroy",
		HealthCheck: &HealthCheck{StartPeriod: 10 * time.Second}, HealthCheckGracePeriod: 20 * time.Second}).withDefaults()
	for _, c := range []struct {
		name      string
		got, want any
	}{
		{"Cpu", set.Cpu, 1024}, {"MemoryMiB", set.MemoryMiB, 2048}, {"MinCapacity", set.MinCapacity, 3},
		{"DesiredCount", set.DesiredCount, 3}, {"MaxCapacity", set.MaxCapacity, 3}, {"autoscaling", set.autoscaling(), false},
		{"ContainerPort", set.ContainerPort, 9000}, {"ContainerName", set.ContainerName, "api"}, {"User", set.User, "2000"},
		{"WritablePaths", len(set.WritablePaths), 0}, {"HealthCheckPath", set.HealthCheckPath, "/up"},
		{"AccessLogsPrefix", set.AccessLogsPrefix, "web"}, {"LogRetention", set.LogRetention, "ONE_YEAR"},
		{"RemovalPolicy", set.RemovalPolicy, "destroy"}, {"StartPeriod", set.healthCheck.StartPeriod, 10 * time.Second},
		{"Command port", set.healthCheck.Command[1], "curl -fk https://localhost:9000/health || exit 1"},
		{"gracePeriod", set.gracePeriod, 20 * time.Second},
	} {
		if fmt.Sprint(c.got) != fmt.Sprint(c.want) {
			t.Errorf("set %s = %v, want %v", c.name, c.got, c.want)
		}
	}
}
