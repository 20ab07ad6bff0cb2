// Package audit checks synthesized CloudFormation templates against
// Groundwork's security invariants and deploy-safety invariants (DESIGN.md,
// "Security invariants" and "Deploy-safety invariants").
//
// It is plain Go over the template JSON, so it runs without jsii and checks what
// will actually be deployed, including the roles and policies CDK generates on
// its own. Each breach is a Finding naming the rule, the resource and the detail.
package audit

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
)

// Rule names, as they appear in findings.
const (
	RuleSid               = "statement-sid"
	RuleActionWildcard    = "allow-action-wildcard"
	RuleResourceWildcard  = "allow-resource-wildcard"
	RuleSourceCondition   = "service-source-condition"
	RuleBoundary          = "permissions-boundary"
	RuleTags              = "required-tags"
	RuleUnclassified      = "unclassified-resource-type"
	RuleRetain            = "retain-stateful"
	RuleOpenIngress       = "open-ingress"
	RuleEncryption        = "encryption-at-rest"
	RuleListenerTLS       = "listener-tls"
	RuleSecretEnvironment = "secret-in-environment"
	RuleAllowNot          = "allow-not-action-resource"
	RulePublicPrincipal   = "allow-public-principal"
	RuleDefaultEgress     = "default-egress"
	// RuleNamedReplacement: a resource with a fixed physical name sets a
	// create-only property other than the name, so changing it fails the
	// update with "already exists".
	RuleNamedReplacement = "named-replace-only"
	// RuleRetryableCreate: a resource with a fixed name has DeletionPolicy
	// Retain, so a failed first deploy leaves it behind and blocks every retry;
	// it must be RetainExceptOnCreate or carry no fixed name.
	RuleRetryableCreate = "retain-except-on-create"
	// RuleAutoscaledDesiredCount: an ECS service that a scalable target scales
	// sets DesiredCount, which every update would reset.
	RuleAutoscaledDesiredCount = "autoscaled-desired-count"
	// RuleTrustConditionKeys: a trust statement requires a condition key its
	// service principal is not shown to send (TrustConditionKeys).
	RuleTrustConditionKeys = "trust-condition-keys"
	// RuleKMSCreateGrant: a KMS key policy does not limit kms:CreateGrant to
	// grants for AWS resources (Control Tower CT.KMS.PR.3).
	RuleKMSCreateGrant     = "kms-create-grant-aws-only"
	RequiredTagProject     = "Project"
	RequiredTagEnvironment = "Environment"
	RequiredTagOwner       = "Owner"
)

// RequiredTags are the tags every taggable resource must carry.
var RequiredTags = []string{RequiredTagProject, RequiredTagEnvironment, RequiredTagOwner}

// Finding is one breach of an invariant.
type Finding struct {
	Stack    string
	Resource string // logical id
	Rule     string
	Detail   string
}

func (f Finding) String() string {
	return fmt.Sprintf("%s/%s: %s: %s", f.Stack, f.Resource, f.Rule, f.Detail)
}

// Options configures Check.
type Options struct {
	// RetainStateful requires every stateful resource (every environment but
	// dev) to be retained: DeletionPolicy Retain or RetainExceptOnCreate, and
	// UpdateReplacePolicy Retain.
	RetainStateful bool
	// Account is the stack's 12-digit AWS account id. When set, every
	// aws:SourceAccount condition that names a literal 12-digit account must
	// name this one (intrinsic values such as {"Ref": "AWS::AccountId"} are
	// accepted). Empty skips the check.
	Account string
}

// Check audits one template and returns its findings, sorted.
func Check(stack string, template map[string]any, opts Options) []Finding {
	a := &auditor{stack: stack, opts: opts}
	resources, _ := template["Resources"].(map[string]any)
	a.resources = resources
	for _, id := range sortedKeys(resources) {
		res, _ := resources[id].(map[string]any)
		a.resource(id, res)
	}
	sort.SliceStable(a.findings, func(i, j int) bool { return a.findings[i].String() < a.findings[j].String() })
	return a.findings
}

type auditor struct {
	stack     string
	opts      Options
	resources map[string]any
	findings  []Finding
}

func (a *auditor) add(id, rule, format string, args ...any) {
	a.findings = append(a.findings, Finding{Stack: a.stack, Resource: id, Rule: rule, Detail: fmt.Sprintf(format, args...)})
}

func (a *auditor) resource(id string, res map[string]any) {
	typ, _ := res["Type"].(string)
	props, _ := res["Properties"].(map[string]any)
	if props == nil {
		props = map[string]any{}
	}
	switch typ {
	case "AWS::IAM::Role":
		a.policy(id, props["AssumeRolePolicyDocument"], docTrust)
		for _, p := range list(props["Policies"]) {
			if pm, ok := p.(map[string]any); ok {
				a.policy(id, pm["PolicyDocument"], docIdentity)
			}
		}
		if props["PermissionsBoundary"] == nil {
			a.add(id, RuleBoundary, "role has no permissions boundary; cap every role of the stack with one: boundary.Attach(stack, boundary.Ceiling{...}) or awsiam.PermissionsBoundary_Of(stack).Apply(policy)")
		}
	case "AWS::IAM::Policy", "AWS::IAM::ManagedPolicy":
		a.policy(id, props["PolicyDocument"], docIdentity)
	case "AWS::S3::BucketPolicy", "AWS::SQS::QueuePolicy", "AWS::SNS::TopicPolicy":
		a.policy(id, props["PolicyDocument"], docResource)
	case "AWS::SecretsManager::ResourcePolicy":
		a.policy(id, props["ResourcePolicy"], docResource)
	case "AWS::KMS::Key":
		a.policy(id, props["KeyPolicy"], docKey)
	}
	a.tags(id, typ, props)
	a.retain(id, typ, res)
	a.ingress(id, typ, props)
	a.egress(id, typ, props)
	a.encryption(id, typ, res, props)
	a.listener(id, typ, props)
	a.environment(id, typ, props)
	a.namedReplacement(id, typ, props)
	a.retryableCreate(id, typ, res, props)
	a.autoscaledDesiredCount(id, typ, props)
	a.kmsCreateGrant(id, typ, props)
}

type docKind int

const (
	docIdentity docKind = iota
	docTrust
	docResource
	docKey
)

func (a *auditor) policy(id string, doc any, kind docKind) {
	d, ok := doc.(map[string]any)
	if !ok {
		return
	}
	for i, s := range list(d["Statement"]) {
		st, ok := s.(map[string]any)
		if !ok {
			continue
		}
		sid, _ := st["Sid"].(string)
		where := fmt.Sprintf("statement %d", i)
		if sid != "" {
			where = fmt.Sprintf("statement %q", sid)
		} else {
			a.add(id, RuleSid, "statement %d has no Sid; give every statement a readable Sid", i)
		}
		a.sourceAccount(id, where, st["Condition"])
		if kind == docTrust {
			a.trustKeys(id, where, st)
		}
		if st["Effect"] != "Allow" {
			continue // Deny statements may use wildcards (e.g. s3:* in DenyInsecureTransport).
		}
		var not []string
		for _, k := range []string{"NotAction", "NotResource"} {
			if _, ok := st[k]; ok {
				not = append(not, k)
			}
		}
		if len(not) > 0 {
			a.add(id, RuleAllowNot, "%s uses %s; Allow with NotAction/NotResource grants everything not listed; list what is allowed", where, strings.Join(not, " and "))
		}
		if isPublicPrincipal(st["Principal"]) && !hasCondition(st["Condition"]) {
			a.add(id, RulePublicPrincipal, "%s allows principal * without a Condition (public access); restrict it with a condition such as aws:PrincipalOrgID or aws:SourceVpce, or name the principals", where)
		}
		actions := strs(st["Action"])
		for _, act := range actions {
			if !strings.ContainsAny(act, "*?") { // ? matches any one character, so it is a wildcard too
				continue
			}
			if kind == docKey && act == "kms:*" && isAccountRoot(st["Principal"]) {
				continue
			}
			a.add(id, RuleActionWildcard, "%s allows %q; list the actions explicitly", where, act)
		}
		if kind != docKey && kind != docTrust && hasBareStar(st["Resource"]) {
			for _, act := range actions {
				if _, ok := WildcardResourceActions[act]; !ok {
					a.add(id, RuleResourceWildcard, "%s allows %q on resource *; scope it to the resource ARNs (only actions without resource-level permissions may use *)", where, act)
				}
			}
		}
		for _, svc := range servicePrincipals(st["Principal"]) {
			if _, exempt := ServicesWithoutSourceConditions[svc]; exempt {
				continue
			}
			pinned, wildcard := pinningKeys(st["Condition"])
			switch {
			case pinned:
			case len(wildcard) > 0:
				a.add(id, RuleSourceCondition, "%s trusts service %s with only %s \"*\", which pins nothing; pin it to the account and resource with aws:SourceAccount/aws:SourceArn",
					where, svc, strings.Join(wildcard, ", "))
			default:
				a.add(id, RuleSourceCondition, "%s trusts service %s without aws:SourceAccount/aws:SourceArn; pin it to the account and resource", where, svc)
			}
		}
	}
}

// isPublicPrincipal reports whether a statement's Principal is everyone: "*",
// {"AWS": "*"} or an AWS list that contains "*".
func isPublicPrincipal(p any) bool {
	switch p := p.(type) {
	case string:
		return p == "*"
	case map[string]any:
		for _, v := range strs(p["AWS"]) {
			if v == "*" {
				return true
			}
		}
	}
	return false
}

// hasCondition reports whether a Condition block has at least one key (an
// absent block, {} and operators without keys count as no condition).
func hasCondition(c any) bool {
	found := false
	conditionValues(c, func(string, any) { found = true })
	return found
}

func isAccountRoot(p any) bool {
	pm, ok := p.(map[string]any)
	if !ok {
		return false
	}
	for _, v := range list(pm["AWS"]) {
		switch v := v.(type) {
		case string:
			if strings.HasSuffix(v, ":root") {
				return true
			}
		case map[string]any:
			// {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":iam::", ..., ":root"]]}
			if j, ok := v["Fn::Join"].([]any); ok && len(j) == 2 {
				parts := list(j[1])
				if len(parts) > 0 {
					if last, ok := parts[len(parts)-1].(string); ok && strings.HasSuffix(last, ":root") {
						return true
					}
				}
			}
		}
	}
	return false
}

func servicePrincipals(p any) []string {
	pm, ok := p.(map[string]any)
	if !ok {
		return nil
	}
	return strs(pm["Service"])
}

// conditionValues calls fn for every key of a statement's Condition block
// (across all operators, in a stable order) with the key's value.
func conditionValues(c any, fn func(key string, value any)) {
	cm, ok := c.(map[string]any)
	if !ok {
		return
	}
	for _, op := range sortedKeys(cm) {
		m, ok := cm[op].(map[string]any)
		if !ok {
			continue
		}
		for _, k := range sortedKeys(m) {
			fn(k, m[k])
		}
	}
}

// pinningKeys reports whether a Condition block pins a service principal: it
// has one of confusedDeputyKeys with no value that is exactly "*" (a "*" makes
// the key match any caller, so it pins nothing). wildcard lists the
// confused-deputy keys present only with a "*" value, for the finding.
func pinningKeys(c any) (pinned bool, wildcard []string) {
	conditionValues(c, func(k string, v any) {
		if !isConfusedDeputyKey(k) {
			return
		}
		for _, s := range strs(v) {
			if s == "*" {
				wildcard = append(wildcard, k)
				return
			}
		}
		pinned = true
	})
	return pinned, wildcard
}

func isConfusedDeputyKey(k string) bool {
	for _, want := range confusedDeputyKeys {
		if strings.EqualFold(k, want) {
			return true
		}
	}
	return false
}

var accountID = regexp.MustCompile(`^[0-9]{12}$`)

// sourceAccount reports aws:SourceAccount conditions that name a literal
// account other than the stack's (Options.Account). Intrinsic values (maps)
// and strings that are not account ids are left to the pinning check.
func (a *auditor) sourceAccount(id, where string, c any) {
	if a.opts.Account == "" {
		return
	}
	conditionValues(c, func(k string, v any) {
		if !strings.EqualFold(k, "aws:SourceAccount") {
			return
		}
		for _, s := range strs(v) {
			if accountID.MatchString(s) && s != a.opts.Account {
				a.add(id, RuleSourceCondition, "%s pins aws:SourceAccount to %s, not the stack's account %s", where, s, a.opts.Account)
			}
		}
	})
}

func hasBareStar(r any) bool {
	for _, v := range list(r) {
		if s, ok := v.(string); ok && s == "*" {
			return true
		}
	}
	return false
}

func (a *auditor) tags(id, typ string, props map[string]any) {
	if nonTaggable[typ] || strings.HasPrefix(typ, "Custom::") {
		return
	}
	if !taggable[typ] {
		a.add(id, RuleUnclassified, "resource type %s is in neither the taggable nor the non-taggable list of audit; classify it", typ)
		return
	}
	have := map[string]string{}
	switch t := props["Tags"].(type) {
	case []any:
		for _, e := range t {
			if m, ok := e.(map[string]any); ok {
				k, _ := m["Key"].(string)
				v, _ := m["Value"].(string)
				have[k] = v
			}
		}
	case map[string]any:
		for k, v := range t {
			s, _ := v.(string)
			have[k] = s
		}
	}
	for _, want := range RequiredTags {
		if have[want] == "" {
			a.add(id, RuleTags, "%s has no %s tag; tag the App once: awscdk.Tags_Of(app).Add(jsii.String(%q), …)", typ, want, want)
		}
	}
}

func (a *auditor) retain(id, typ string, res map[string]any) {
	if !a.opts.RetainStateful || !stateful[typ] || auroraMember(typ, res) {
		return
	}
	if snapshotted[typ] && res["DeletionPolicy"] == "Snapshot" && res["UpdateReplacePolicy"] == "Snapshot" {
		return
	}
	if d := res["DeletionPolicy"]; d != "Retain" && d != "RetainExceptOnCreate" {
		a.add(id, RuleRetain, "%s has DeletionPolicy %v outside dev; stateful resources use RemovalPolicy RETAIN_ON_UPDATE_OR_DELETE (DeletionPolicy RetainExceptOnCreate)", typ, d)
	}
	if u := res["UpdateReplacePolicy"]; u != "Retain" {
		a.add(id, RuleRetain, "%s has UpdateReplacePolicy %v outside dev; stateful resources use RemovalPolicy RETAIN_ON_UPDATE_OR_DELETE (UpdateReplacePolicy Retain)", typ, u)
	}
}

func (a *auditor) ingress(id, typ string, props map[string]any) {
	var rules []map[string]any
	var group string
	switch typ {
	case "AWS::EC2::SecurityGroup":
		group = id
		for _, r := range list(props["SecurityGroupIngress"]) {
			if m, ok := r.(map[string]any); ok {
				rules = append(rules, m)
			}
		}
	case "AWS::EC2::SecurityGroupIngress":
		rules = []map[string]any{props}
		if ref, ok := props["GroupId"].(map[string]any); ok {
			if ga, ok := ref["Fn::GetAtt"].([]any); ok && len(ga) > 0 {
				group, _ = ga[0].(string)
			}
		}
	default:
		return
	}
	for _, r := range rules {
		cidr, _ := r["CidrIp"].(string)
		cidr6, _ := r["CidrIpv6"].(string)
		if cidr != "0.0.0.0/0" && cidr6 != "::/0" {
			continue
		}
		from, to := num(r["FromPort"]), num(r["ToPort"])
		webPort := r["IpProtocol"] == "tcp" && from == to && (from == 80 || from == 443)
		if !webPort || !a.usedByLoadBalancer(group) {
			a.add(id, RuleOpenIngress, "ingress from the internet on %v %v-%v; only an ALB's security group may admit 80/443 from anywhere — reference a security group instead", r["IpProtocol"], r["FromPort"], r["ToPort"])
		}
	}
}

// egress reports a security group without inline egress rules: EC2 then adds
// its default allow-all egress. Standalone AWS::EC2::SecurityGroupEgress
// resources do not remove that default, so only the inline list counts.
func (a *auditor) egress(id, typ string, props map[string]any) {
	if typ == "AWS::EC2::SecurityGroup" && len(list(props["SecurityGroupEgress"])) == 0 {
		a.add(id, RuleDefaultEgress, "security group has no inline egress rule, so EC2 keeps its default allow-all egress; add an egress rule (CDK's 255.255.255.255/32 no-traffic placeholder closes it)")
	}
}

func (a *auditor) usedByLoadBalancer(group string) bool {
	if group == "" {
		return false
	}
	for _, r := range a.resources {
		res, _ := r.(map[string]any)
		if res["Type"] != "AWS::ElasticLoadBalancingV2::LoadBalancer" {
			continue
		}
		props, _ := res["Properties"].(map[string]any)
		for _, sg := range list(props["SecurityGroups"]) {
			if m, ok := sg.(map[string]any); ok {
				if ga, ok := m["Fn::GetAtt"].([]any); ok && len(ga) > 0 && ga[0] == group {
					return true
				}
			}
		}
	}
	return false
}

// SSES3SuppressionRule is the cdk-nag rule whose suppression, with a reason,
// documents why a bucket uses SSE-S3 (AES256) rather than SSE-KMS: S3 server
// access logs and ELB access logs can only be delivered to SSE-S3 buckets.
const SSES3SuppressionRule = "NIST.800.53.R5-S3DefaultEncryptionKMS"

func (a *auditor) encryption(id, typ string, res, props map[string]any) {
	switch typ {
	case "AWS::S3::Bucket":
		if props["BucketEncryption"] == nil {
			a.add(id, RuleEncryption, "bucket has no default encryption; use SSE-KMS with a customer-managed key")
		} else if usesSSES3(props["BucketEncryption"]) && !suppressed(res, SSES3SuppressionRule) {
			a.add(id, RuleEncryption, "bucket uses SSE-S3; business data needs SSE-KMS with a customer-managed key (or document the exception with a reasoned suppression of %s)", SSES3SuppressionRule)
		}
	case "AWS::SecretsManager::Secret":
		if props["KmsKeyId"] == nil {
			a.add(id, RuleEncryption, "secret is encrypted with the AWS managed key; set KmsKeyId to a customer-managed key")
		} else if awsManagedKey(props["KmsKeyId"]) {
			a.add(id, RuleEncryption, "secret's KmsKeyId %v is an AWS managed key; use a customer-managed key", props["KmsKeyId"])
		}
	case "AWS::KMS::Key":
		if props["EnableKeyRotation"] != true {
			a.add(id, RuleEncryption, "KMS key rotation is off; set EnableKeyRotation")
		}
	case "AWS::Logs::LogGroup":
		if props["KmsKeyId"] == nil {
			a.add(id, RuleEncryption, "log group is not encrypted with a customer-managed key; set KmsKeyId")
		}
	case "AWS::SQS::Queue", "AWS::SNS::Topic":
		if props["KmsMasterKeyId"] == nil {
			a.add(id, RuleEncryption, "%s is not encrypted with a KMS key; set KmsMasterKeyId", typ)
		} else if awsManagedKey(props["KmsMasterKeyId"]) {
			a.add(id, RuleEncryption, "%s KmsMasterKeyId %v is an AWS managed key; use a customer-managed key", typ, props["KmsMasterKeyId"])
		}
	case "AWS::DynamoDB::Table":
		sse, _ := props["SSESpecification"].(map[string]any)
		if sse == nil || sse["SSEEnabled"] != true || sse["KMSMasterKeyId"] == nil || awsManagedKey(sse["KMSMasterKeyId"]) {
			a.add(id, RuleEncryption, "table is not encrypted with a customer-managed key; set SSESpecification")
		}
	}
}

// usesSSES3 reports whether a bucket's default encryption is SSE-S3 (AES256).
func usesSSES3(enc any) bool {
	em, _ := enc.(map[string]any)
	for _, r := range list(em["ServerSideEncryptionConfiguration"]) {
		rm, _ := r.(map[string]any)
		def, _ := rm["ServerSideEncryptionByDefault"].(map[string]any)
		if def["SSEAlgorithm"] == "AES256" {
			return true
		}
	}
	return false
}

// suppressed reports whether the resource's cdk-nag metadata suppresses rule
// with a non-blank reason.
func suppressed(res map[string]any, rule string) bool {
	meta, _ := res["Metadata"].(map[string]any)
	nag, _ := meta["cdk_nag"].(map[string]any)
	for _, s := range list(nag["rules_to_suppress"]) {
		sm, _ := s.(map[string]any)
		id, _ := sm["id"].(string)
		reason, _ := sm["reason"].(string)
		if id == rule && strings.TrimSpace(reason) != "" {
			return true
		}
	}
	return false
}

// awsManagedKey reports whether a KMS key reference names an AWS managed key
// by its alias (alias/aws/<service>, alone or in an alias ARN).
func awsManagedKey(v any) bool {
	s, ok := v.(string)
	return ok && (strings.HasPrefix(s, "alias/aws/") || strings.Contains(s, ":alias/aws/"))
}

func (a *auditor) listener(id, typ string, props map[string]any) {
	if typ != "AWS::ElasticLoadBalancingV2::Listener" {
		return
	}
	switch props["Protocol"] {
	case "HTTPS":
		if p, _ := props["SslPolicy"].(string); !strings.HasPrefix(p, "ELBSecurityPolicy-TLS13-1-2-") {
			a.add(id, RuleListenerTLS, "HTTPS listener uses SslPolicy %q; use ELBSecurityPolicy-TLS13-1-2-2021-06 or newer", p)
		}
	case "HTTP":
		for _, act := range list(props["DefaultActions"]) {
			if m, ok := act.(map[string]any); !ok || m["Type"] != "redirect" {
				a.add(id, RuleListenerTLS, "HTTP listener does more than redirect to HTTPS")
			}
		}
	default:
		a.add(id, RuleListenerTLS, "listener protocol %v; use HTTPS (and HTTP only to redirect)", props["Protocol"])
	}
}

// secretName matches environment variable names that suggest a secret value.
var secretName = regexp.MustCompile(`(?i)(PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|CREDENTIAL)`)

// secretRef matches names that end in a word saying the value is a reference
// to a secret (_ARN, _NAME, _ID) or a setting about one (TOKEN_URL,
// PASSWORD_MIN_LENGTH, AUTH_TOKEN_TTL), not the secret itself. The value
// checks still look at what such a variable holds.
var secretRef = regexp.MustCompile(`(?i)_(ARN|NAME|ID|URL|URI|ENDPOINT|HOST|PATH|FILE|HEADER|TTL|EXPIRY|TIMEOUT|LENGTH|DAYS|SECONDS|VERSION|POLICY|ENABLED|TYPE|FORMAT)$`)

// LooksLikeSecretName reports whether an environment variable name suggests
// that it holds a secret value rather than a reference to one or a setting
// about one.
func LooksLikeSecretName(name string) bool {
	return secretName.MatchString(name) && !secretRef.MatchString(name)
}

// NamesSecretReference reports whether a name ends in a word that makes it a
// reference to a secret or a setting about one (see LooksLikeSecretName).
func NamesSecretReference(name string) bool { return secretRef.MatchString(name) }

func (a *auditor) environment(id, typ string, props map[string]any) {
	var names []string
	switch typ {
	case "AWS::Lambda::Function":
		if env, ok := props["Environment"].(map[string]any); ok {
			if vars, ok := env["Variables"].(map[string]any); ok {
				names = sortedKeys(vars)
			}
		}
	case "AWS::ECS::TaskDefinition":
		for _, c := range list(props["ContainerDefinitions"]) {
			cm, _ := c.(map[string]any)
			for _, e := range list(cm["Environment"]) {
				if em, ok := e.(map[string]any); ok {
					n, _ := em["Name"].(string)
					names = append(names, n)
				}
			}
		}
	}
	for _, n := range names {
		if LooksLikeSecretName(n) {
			a.add(id, RuleSecretEnvironment, "environment variable %s looks like a secret; inject it from Secrets Manager at run time", n)
		}
	}
}

func list(v any) []any {
	switch v := v.(type) {
	case nil:
		return nil
	case []any:
		return v
	default:
		return []any{v}
	}
}

func strs(v any) []string {
	var out []string
	for _, e := range list(v) {
		if s, ok := e.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

func num(v any) float64 {
	switch v := v.(type) {
	case float64:
		return v
	case int:
		return float64(v)
	}
	return -1
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
