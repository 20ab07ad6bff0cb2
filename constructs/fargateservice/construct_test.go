package fargateservice_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/regioninfo"
	"github.com/aws/jsii-runtime-go"

	"github.com/groundwork-cdk/groundwork/constructs/fargateservice"
	"github.com/groundwork-cdk/groundwork/internal/testkit"
)

// TestConstruct uses the value New returns wherever CDK takes a construct.
func TestConstruct(t *testing.T) {
	s := stack(t, "Constructs")
	service := s.LogicalID(t, "Svc/Service/Service")
	t.Run("Tags_Of tags the service's resources", func(t *testing.T) {
		for _, typ := range []string{"AWS::ECS::Service", "AWS::ECS::TaskDefinition", "AWS::Logs::LogGroup", "AWS::IAM::Role"} {
			s.HasResourceProperties(t, typ, M{"Tags": arrayWith(L{M{"Key": "Team", "Value": "payments"}})})
		}
	})
	t.Run("Aspects_Of visits the service's children", func(t *testing.T) {
		if !slices.Contains(visited, "Constructs/Svc/Service/Service") {
			t.Errorf("the aspect did not reach the ECS service; visited %d paths", len(visited))
		}
	})
	t.Run("Stack_Of finds the service's stack", func(t *testing.T) {
		if stackOf != "Constructs" {
			t.Errorf("Stack_Of(svc).StackName() = %q", stackOf)
		}
	})
	t.Run("AddDependency on the service's side: its resources wait for Before", func(t *testing.T) {
		s.HasResource(t, "AWS::ECS::Service", M{"DependsOn": arrayWith(L{s.LogicalID(t, "Before")})})
	})
	t.Run("AddDependency on the other side: After waits for the service", func(t *testing.T) {
		deps, _ := s.Resource(t, s.LogicalID(t, "After"))["DependsOn"].([]any)
		if !slices.Contains(deps, any(service)) {
			t.Errorf("After depends on %v; want %s among them", deps, service)
		}
	})
	t.Run("the service is a scope", func(t *testing.T) {
		if id := s.LogicalID(t, "Svc/Child"); !strings.HasPrefix(id, "SvcChild") {
			t.Errorf("child logical id %q", id)
		}
	})
	t.Run("Annotations_Of annotates the service", func(t *testing.T) {
		for _, m := range s.Messages {
			if m.Path == "/Constructs/Svc" && m.Level == "info" && strings.Contains(m.Text, "annotated through the service") {
				return
			}
		}
		t.Error("no info annotation at /Constructs/Svc")
	})
	t.Run("GrantPolicy: one managed policy on the task role, shared with AddToTaskRolePolicy", func(t *testing.T) {
		if !samePolicy {
			t.Error("GrantPolicy returned a different policy on the second call")
		}
		s.HasResourceProperties(t, "AWS::IAM::ManagedPolicy", M{
			"Roles": L{s.Ref(t, "Svc/TaskRole")},
			"PolicyDocument": M{"Statement": L{
				M{"Sid": "SendJobs", "Effect": "Allow", "Action": "sqs:SendMessage", "Resource": "arn:aws:sqs:eu-west-1:123456789012:jobs"},
				M{"Sid": "ReadOrders", "Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": ordersTable},
			}},
		})
		s.HasResource(t, "AWS::ECS::Service", M{"DependsOn": arrayWith(L{s.LogicalID(t, "Svc/TaskRolePolicy")})})
		// Execution role policy + task role policy; no inline policies.
		s.ResourceCountIs(t, "AWS::IAM::ManagedPolicy", 2)
		s.ResourceCountIs(t, "AWS::IAM::Policy", 0)
	})
}

// TestL2GrantToTaskRole: a plain CDK grant to the task role is not silently
// dropped. It reaches the role's default policy, where grant.GuardRole fails
// synthesis with the library call to use.
func TestL2GrantToTaskRole(t *testing.T) {
	app := testkit.NewApp(nil)
	st := testkit.NewStack(app, "L2Grant")
	svc := fargateservice.New(st, "Svc", &fargateservice.Props{Vpc: newVpc(st), Image: ecrImage, Worker: true})
	bucket := awss3.NewBucket(st, jsii.String("Bucket"), nil)
	bucket.GrantRead(svc.TaskRole, nil)
	msg := testkit.SynthError(t, app)
	testkit.Contains(t, "synthesis error", msg, []string{"L2Grant/Svc", "TaskRole", "s3:GetObject*", "grant.BucketRead"}...)
}

func TestFixedCount(t *testing.T) {
	s := stack(t, "Fixed")
	run(t, s, []assertion{
		{"a fixed count keeps DesiredCount", "AWS::ECS::Service", M{"DesiredCount": 3}},
		{"init container: the ECR init image, the numeric user, every path", "AWS::ECS::TaskDefinition", M{
			"ContainerDefinitions": arrayWith(L{like(M{
				"Name":    "app-init",
				"Image":   M{"Fn::Join": L{"", L{"123456789012.dkr.ecr.eu-west-1.", M{"Ref": "AWS::URLSuffix"}, "/tools/chown@sha256:2222222222222222222222222222222222222222222222222222222222222222"}}},
				"Command": L{"1000", "/tmp", "/var/run/app", "/home/app/.cache"},
			})}),
			"Volumes": L{M{"Name": "scratch0"}, M{"Name": "scratch1"}, M{"Name": "scratch2"}},
		}},
		{"execution role pulls from both repositories", "AWS::IAM::ManagedPolicy", M{
			"PolicyDocument": M{"Statement": arrayWith(L{M{
				"Sid": "PullImage", "Effect": "Allow",
				"Action":   L{"ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"},
				"Resource": L{"arn:aws:ecr:eu-west-1:123456789012:repository/api", "arn:aws:ecr:eu-west-1:123456789012:repository/tools/chown"},
			}})},
		}},
	})
	t.Run("no autoscaling", func(t *testing.T) {
		s.ResourceCountIs(t, "AWS::ApplicationAutoScaling::ScalableTarget", 0)
		s.ResourceCountIs(t, "AWS::ApplicationAutoScaling::ScalingPolicy", 0)
	})
}

// TestAutoscaledServicesHaveNoDesiredCount is the deploy-safety rule over
// every scenario: a service with a scalable target carries no DesiredCount.
func TestAutoscaledServicesHaveNoDesiredCount(t *testing.T) {
	for _, name := range []string{"Web", "Custom", "Worker", "Agnostic", "Constructs"} {
		t.Run(name, func(t *testing.T) {
			s := stack(t, name)
			s.ResourceCountIs(t, "AWS::ApplicationAutoScaling::ScalableTarget", 1)
			s.HasResourceProperties(t, "AWS::ECS::Service", M{"DesiredCount": absent()})
		})
	}
	t.Run("Custom: the scalable target has the bounds", func(t *testing.T) {
		stack(t, "Custom").HasResourceProperties(t, "AWS::ApplicationAutoScaling::ScalableTarget", M{"MinCapacity": 2, "MaxCapacity": 6})
	})
}

// TestWritablePathsCovered is the deploy-safety rule over every scenario:
// each writable mount of a container that runs as a non-root user is
// chowned to that user, before it starts, by a non-essential init container
// that runs as root and mounts the same volume at the same path.
func TestWritablePathsCovered(t *testing.T) {
	for _, name := range []string{"Web", "Custom", "Worker", "Fixed", "Agnostic", "Constructs"} {
		t.Run(name, func(t *testing.T) {
			s := stack(t, name)
			for _, id := range s.Resources("AWS::ECS::TaskDefinition") {
				props, _ := s.Resource(t, id)["Properties"].(map[string]any)
				checkWritable(t, props)
			}
		})
	}
}

func checkWritable(t *testing.T, props map[string]any) {
	t.Helper()
	containers := map[string]map[string]any{}
	for _, c := range props["ContainerDefinitions"].([]any) {
		m := c.(map[string]any)
		containers[m["Name"].(string)] = m
	}
	covered := 0
	for name, c := range containers {
		user, _ := c["User"].(string)
		if user == "" || user == "0:0" {
			continue
		}
		for _, mp := range list(c["MountPoints"]) {
			mount := mp.(map[string]any)
			if mount["ReadOnly"] != false {
				continue
			}
			path := mount["ContainerPath"].(string)
			ok := false
			for _, dep := range list(c["DependsOn"]) {
				d := dep.(map[string]any)
				init := containers[d["ContainerName"].(string)]
				cmd := testkit.Strings(init["Command"])
				if d["Condition"] != "SUCCESS" || init["Essential"] != false || init["User"] != "0:0" ||
					!slices.Equal(testkit.Strings(init["EntryPoint"]), []string{"chown"}) || len(cmd) == 0 || cmd[0] != user || !slices.Contains(cmd[1:], path) {
					continue
				}
				for _, imp := range list(init["MountPoints"]) {
					im := imp.(map[string]any)
					if im["ContainerPath"] == path && im["SourceVolume"] == mount["SourceVolume"] && im["ReadOnly"] == false {
						ok = true
					}
				}
			}
			if !ok {
				t.Errorf("container %s writes %s as %s, and no init container gives it that path", name, path, user)
			}
			covered++
		}
	}
	if covered == 0 {
		t.Error("no writable path checked")
	}
}

func TestEnvironmentAgnostic(t *testing.T) {
	s := stack(t, "Agnostic")
	t.Run("no literal Region outside the ELB account mapping", func(t *testing.T) {
		rest := map[string]any{}
		for k, v := range s.Template {
			if k != "Mappings" {
				rest[k] = v
			}
		}
		b, _ := json.Marshal(rest)
		for _, r := range *regioninfo.RegionInfo_Regions() {
			if strings.Contains(string(b), `"`+*r.Name()) || strings.Contains(string(b), ":"+*r.Name()+":") {
				t.Errorf("the template names %s", *r.Name())
			}
		}
	})
	mapping := s.LogicalID(t, "Api/ElbLogDeliveryAccounts")
	cond := s.LogicalID(t, "Api/HasElbLogDeliveryAccount")
	t.Run("mapping: every known Region, with its ELB account or none", func(t *testing.T) {
		m, _ := s.Template["Mappings"].(map[string]any)[mapping].(map[string]any)
		regions := *regioninfo.RegionInfo_Regions()
		if len(m) != len(regions) {
			t.Errorf("mapping has %d Regions, regioninfo %d", len(m), len(regions))
		}
		if got := m["eu-west-1"]; !jsonEqual(got, M{"account": "156460612806"}) {
			t.Errorf("eu-west-1: %v", got)
		}
		none := 0
		for _, v := range m {
			if jsonEqual(v, M{"account": "none"}) {
				none++
			}
		}
		if none == 0 {
			t.Error("no Region marked as using the service principal")
		}
	})
	t.Run("condition: the Region has an ELB account", func(t *testing.T) {
		got := s.Template["Conditions"].(map[string]any)[cond]
		want := M{"Fn::Not": L{M{"Fn::Equals": L{M{"Fn::FindInMap": L{mapping, M{"Ref": "AWS::Region"}, "account"}}, "none"}}}}
		if !jsonEqual(got, want) {
			t.Errorf("condition %s = %v", cond, got)
		}
	})
	logs := M{"Fn::Join": L{"", L{s.Arn(t, "Api/AccessLogs/Bucket"), "/alb/AWSLogs/", M{"Ref": "AWS::AccountId"}, "/*"}}}
	serviceConditions := M{
		"StringEquals": M{"aws:SourceAccount": M{"Ref": "AWS::AccountId"}},
		"ArnLike": M{"aws:SourceArn": M{"Fn::Join": L{"", L{"arn:", M{"Ref": "AWS::Partition"}, ":elasticloadbalancing:", M{"Ref": "AWS::Region"},
			":", M{"Ref": "AWS::AccountId"}, ":loadbalancer/app/*"}}}},
	}
	run(t, s, []assertion{
		{"log delivery: the service principal, pinned, in every Region", "AWS::S3::BucketPolicy", M{
			"PolicyDocument": M{"Statement": arrayWith(L{M{
				"Sid": "AllowLoadBalancerAccessLogDelivery", "Effect": "Allow", "Action": "s3:PutObject", "Resource": logs,
				"Principal": M{"Service": "logdelivery.elasticloadbalancing.amazonaws.com"},
				"Condition": serviceConditions,
			}})},
		}},
		{"log delivery: the Region's ELB account where it has one, else the pinned service principal", "AWS::S3::BucketPolicy", M{
			"PolicyDocument": M{"Statement": arrayWith(L{M{
				"Sid": "AllowRegionalLoadBalancerAccountLogDelivery", "Effect": "Allow", "Action": "s3:PutObject", "Resource": logs,
				"Principal": M{"Fn::If": L{cond,
					M{"AWS": M{"Fn::Join": L{"", L{"arn:", M{"Ref": "AWS::Partition"}, ":iam::",
						M{"Fn::FindInMap": L{mapping, M{"Ref": "AWS::Region"}, "account"}}, ":root"}}}},
					M{"Service": "logdelivery.elasticloadbalancing.amazonaws.com"},
				}},
				"Condition": M{"Fn::If": L{cond, M{"Ref": "AWS::NoValue"}, serviceConditions}},
			}})},
		}},
		{"awslogs in the deploy Region", "AWS::ECS::TaskDefinition", M{
			"ContainerDefinitions": arrayWith(L{like(M{"Name": "app", "LogConfiguration": like(M{
				"Options": like(M{"awslogs-region": M{"Ref": "AWS::Region"}})})})}),
		}},
	})
}

func jsonEqual(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}

func list(v any) []any {
	l, _ := v.([]any)
	return l
}
