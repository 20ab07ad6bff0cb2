package fargateservice

import "testing"

// TestParseImage covers the image-reference rules without jsii.
func TestParseImage(t *testing.T) {
	const dig = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	accepted := []struct {
		image, name, ref string
		ecr              *ecrRepo
	}{
		{"nginx:1.25.3", "nginx", "1.25.3", nil},
		{"ghcr.io/acme/api:v1.2.3", "ghcr.io/acme/api", "v1.2.3", nil},
		{"registry.example.com:5000/team/api:1.2.3-rc.1", "registry.example.com:5000/team/api", "1.2.3-rc.1", nil},
		{"public.ecr.aws/nginx/nginx@" + dig, "public.ecr.aws/nginx/nginx", dig, nil},
		{"nginx:1.25.3@" + dig, "nginx", dig, nil},
		{"123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/api:2.0.0", "123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/api", "2.0.0",
			&ecrRepo{partition: "aws", region: "eu-west-1", account: "123456789012", repository: "team/api"}},
		{"123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn/api@" + dig, "123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn/api", dig,
			&ecrRepo{partition: "aws-cn", region: "cn-north-1", account: "123456789012", repository: "api"}},
	}
	for _, tc := range accepted {
		ref, prob := parseImage(tc.image)
		if prob != nil {
			t.Errorf("%s: rejected: %s", tc.image, prob.rule)
			continue
		}
		if ref.name != tc.name || ref.reference() != tc.ref {
			t.Errorf("%s: name %q ref %q; want %q %q", tc.image, ref.name, ref.reference(), tc.name, tc.ref)
		}
		if (ref.ecr == nil) != (tc.ecr == nil) || (ref.ecr != nil && *ref.ecr != *tc.ecr) {
			t.Errorf("%s: ecr %+v; want %+v", tc.image, ref.ecr, tc.ecr)
		}
	}
	for _, image := range []string{
		"nginx", "nginx:latest", "nginx:stable", "nginx:main", "nginx:1", "nginx:1.2", "nginx:01.2.3",
		"nginx:1.2.3+build", "nginx@sha256:ABC", "nginx@md5:0123", "Nginx:1.2.3", "", ":1.2.3",
	} {
		if _, prob := parseImage(image); prob == nil {
			t.Errorf("%q: accepted; want rejected", image)
		}
	}
}
