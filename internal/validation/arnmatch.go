package validation

import (
	"regexp"
	"strings"
)

// An ARN pattern is a sequence of tokens: a literal byte, anyRun (any run of
// characters, possibly empty) or segRun (a run without ':'). IAM matches the
// six colon-separated parts of an ARN separately — a wildcard in the
// partition, service, region or account does not span parts — while the
// resource part (everything after the fifth colon) may itself hold colons.
type token struct {
	kind byte // 'l' literal, '*' anyRun, 's' segRun
	c    byte
}

// unresolved stands for a part of a policy that only deploy time knows (a
// Ref, a Fn::GetAtt, a Fn::ImportValue…); it becomes anyRun.
const unresolved = "\uE000"

// policyPattern tokenizes a rendered policy resource: * (and ?, approximated
// as a run) is a segRun in the first five parts and an anyRun in the
// resource part or at the end; an unresolved part is an anyRun, and so is
// every wildcard after it (the colons it holds are unknown).
func policyPattern(s string) []token {
	var out []token
	colons, blind := 0, false
	run := func(kind byte) {
		if n := len(out); n > 0 && out[n-1].kind != 'l' {
			if kind == '*' {
				out[n-1].kind = '*'
			}
			return
		}
		out = append(out, token{kind: kind})
	}
	for len(s) > 0 {
		if strings.HasPrefix(s, unresolved) {
			run('*')
			blind = true
			s = s[len(unresolved):]
			continue
		}
		switch c := s[0]; c {
		case '*', '?':
			// A trailing wildcard ("arn:aws:sqs:*") covers every ARN that
			// starts so.
			if colons < 5 && !blind && len(s) > 1 {
				run('s')
			} else {
				run('*')
			}
		default:
			if c == ':' {
				colons++
			}
			out = append(out, token{kind: 'l', c: c})
		}
		s = s[1:]
	}
	return out
}

var sarVar = regexp.MustCompile(`\$\{[^}]*\}`)

// formatPattern tokenizes a SAR ARN format: each ${Var} matches a run
// without ':' except the last one, which matches anything (resource names
// such as S3 object keys may contain ':').
func formatPattern(f string) []token {
	locs := sarVar.FindAllStringIndex(f, -1)
	var out []token
	prev := 0
	for i, l := range locs {
		for j := prev; j < l[0]; j++ {
			out = append(out, token{kind: 'l', c: f[j]})
		}
		if i == len(locs)-1 && l[1] == len(f) {
			out = append(out, token{kind: '*'})
		} else {
			out = append(out, token{kind: 's'})
		}
		prev = l[1]
	}
	for j := prev; j < len(f); j++ {
		out = append(out, token{kind: 'l', c: f[j]})
	}
	return out
}

// isAny reports whether the pattern matches every string (a bare * or a
// wholly unresolved value).
func isAny(p []token) bool {
	return len(p) == 1 && p[0].kind != 'l'
}

// intersects reports whether some string matches both patterns: the policy's
// resource a and the resource type's ARN format b.
func intersects(a, b []token) bool {
	memo := map[[2]int]bool{}
	seen := map[[2]int]bool{}
	var dp func(i, j int) bool
	dp = func(i, j int) bool {
		k := [2]int{i, j}
		if seen[k] {
			return memo[k]
		}
		seen[k] = true
		var r bool
		switch {
		case i == len(a) && j == len(b):
			r = true
		case i < len(a) && a[i].kind != 'l':
			// a's run ends here, or it takes b's next literal (a ':' only
			// if it is an anyRun), or the two runs share a stretch and b's
			// run ends inside a's.
			r = dp(i+1, j) || (j < len(b) && (b[j].kind != 'l' || a[i].kind == '*' || b[j].c != ':') && dp(i, j+1))
		case j < len(b) && b[j].kind != 'l':
			// b's run ends here, or it takes a's next literal.
			r = dp(i, j+1) || (i < len(a) && (b[j].kind == '*' || a[i].c != ':') && dp(i+1, j))
		case i < len(a) && j < len(b):
			r = a[i].c == b[j].c && dp(i+1, j+1)
		}
		memo[k] = r
		return r
	}
	return dp(0, 0)
}

// arnOf is what Ref or Fn::GetAtt of a resource type yields, when it is an
// ARN: the pattern it matches. Anything else renders unresolved.
var arnOf = map[string]string{
	"AWS::S3::Bucket/Arn":                           "arn:*:s3:::*",
	"AWS::SQS::Queue/Arn":                           "arn:*:sqs:*:*:*",
	"AWS::KMS::Key/Arn":                             "arn:*:kms:*:*:key/*",
	"AWS::DynamoDB::Table/Arn":                      "arn:*:dynamodb:*:*:table/*",
	"AWS::DynamoDB::Table/StreamArn":                "arn:*:dynamodb:*:*:table/*/stream/*",
	"AWS::Logs::LogGroup/Arn":                       "arn:*:logs:*:*:log-group:*",
	"AWS::Lambda::Function/Arn":                     "arn:*:lambda:*:*:function:*",
	"AWS::IAM::Role/Arn":                            "arn:*:iam::*:role/*",
	"AWS::SNS::Topic/TopicArn":                      "arn:*:sns:*:*:*",
	"AWS::SNS::Topic/Ref":                           "arn:*:sns:*:*:*",
	"AWS::SecretsManager::Secret/Ref":               "arn:*:secretsmanager:*:*:secret:*",
	"AWS::SecretsManager::Secret/Id":                "arn:*:secretsmanager:*:*:secret:*",
	"AWS::IAM::ManagedPolicy/Ref":                   "arn:*:iam::*:policy/*",
	"AWS::ECS::Cluster/Arn":                         "arn:*:ecs:*:*:cluster/*",
	"AWS::ECS::TaskDefinition/Ref":                  "arn:*:ecs:*:*:task-definition/*",
	"AWS::ECR::Repository/Arn":                      "arn:*:ecr:*:*:repository/*",
	"AWS::ElasticLoadBalancingV2::LoadBalancer/Ref": "arn:*:elasticloadbalancing:*:*:loadbalancer/*",
	"AWS::ElasticLoadBalancingV2::TargetGroup/Ref":  "arn:*:elasticloadbalancing:*:*:targetgroup/*",
	"AWS::ElasticLoadBalancingV2::Listener/Ref":     "arn:*:elasticloadbalancing:*:*:listener/*",
	"AWS::CloudWatch::Alarm/Arn":                    "arn:*:cloudwatch:*:*:alarm:*",
	"AWS::Events::Rule/Arn":                         "arn:*:events:*:*:rule/*",
	"AWS::StepFunctions::StateMachine/Ref":          "arn:*:states:*:*:stateMachine:*",
}

// renderer renders intrinsic functions to a string pattern, resolving Ref
// and Fn::GetAtt of known resource types to their ARN pattern and following
// Fn::GetStackOutput into the producer's template.
type renderer struct {
	byStack map[string]*Template
	depth   int
}

// render returns v as a string with unresolved parts marked; ok is false
// when v is not a string-valued expression (a list, a number).
func (r *renderer) render(t *Template, v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case map[string]any:
		if len(x) != 1 {
			return "", false
		}
		for fn, arg := range x {
			switch fn {
			case "Ref":
				s, _ := arg.(string)
				if s == "AWS::Partition" {
					return "aws", true
				}
				if s == "AWS::URLSuffix" {
					return "amazonaws.com", true
				}
				return r.attr(t, s, "Ref"), true
			case "Fn::GetAtt":
				var id, att string
				switch a := arg.(type) {
				case []any:
					if len(a) == 2 {
						id, _ = a[0].(string)
						att, _ = a[1].(string)
					}
				case string:
					id, att, _ = strings.Cut(a, ".")
				}
				return r.attr(t, id, att), true
			case "Fn::Join":
				a, _ := arg.([]any)
				if len(a) != 2 {
					return unresolved, true
				}
				sep, _ := a[0].(string)
				parts, ok := a[1].([]any)
				if !ok {
					return unresolved, true
				}
				var out []string
				for _, p := range parts {
					s, ok := r.render(t, p)
					if !ok {
						s = unresolved
					}
					out = append(out, s)
				}
				return strings.Join(out, sep), true
			case "Fn::Sub":
				return r.sub(t, arg), true
			case "Fn::GetStackOutput":
				so, _ := getStackOutput(x)
				if r.depth > 4 {
					return unresolved, true
				}
				val, producer, err := outputValue(r.byStack, so)
				if err != nil {
					return unresolved, true
				}
				r.depth++
				defer func() { r.depth-- }()
				s, ok := r.render(producer, val)
				if !ok {
					return unresolved, true
				}
				return s, true
			default: // Fn::ImportValue, Fn::Select, Fn::If, …
				return unresolved, true
			}
		}
	}
	return "", false
}

func (r *renderer) attr(t *Template, id, att string) string {
	if t == nil {
		return unresolved
	}
	if p, ok := arnOf[t.TypeOf(id)+"/"+att]; ok {
		return p
	}
	return unresolved
}

var subVar = regexp.MustCompile(`\$\{([^}]*)\}`)

func (r *renderer) sub(t *Template, arg any) string {
	var s string
	vars := map[string]any{}
	switch a := arg.(type) {
	case string:
		s = a
	case []any:
		if len(a) != 2 {
			return unresolved
		}
		s, _ = a[0].(string)
		vars, _ = a[1].(map[string]any)
	default:
		return unresolved
	}
	return subVar.ReplaceAllStringFunc(s, func(m string) string {
		name := m[2 : len(m)-1]
		if strings.HasPrefix(name, "!") {
			return "${" + name[1:] + "}"
		}
		if v, ok := vars[name]; ok {
			if out, ok := r.render(t, v); ok {
				return out
			}
			return unresolved
		}
		if id, att, ok := strings.Cut(name, "."); ok {
			return r.attr(t, id, att)
		}
		return r.render1Ref(t, name)
	})
}

func (r *renderer) render1Ref(t *Template, name string) string {
	s, _ := r.render(t, map[string]any{"Ref": name})
	return s
}
