package fargateservice

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2/awsecr"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsecrassets"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsecs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// imageRef is a parsed, pinned image reference.
type imageRef struct {
	name   string // registry and repository, without tag or digest
	tag    string // full semantic version, or ""
	digest string // "sha256:<64 hex>", or ""
	// ECR coordinates when name is an Amazon ECR repository.
	ecr *ecrRepo
}

type ecrRepo struct {
	partition, region, account, repository string
}

// reference is the tag or digest to pull; the digest wins when both are given.
func (r imageRef) reference() string {
	if r.digest != "" {
		return r.digest
	}
	return r.tag
}

var (
	// imageName is a Docker reference name: an optional registry host[:port]
	// and lowercase path components.
	imageName = regexp.MustCompile(`^(?:[a-zA-Z0-9.-]+(?::[0-9]+)?/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$`)
	digest    = regexp.MustCompile(`^sha256:[0-9a-f]{64}$`)
	// semverTag is MAJOR.MINOR.PATCH with an optional "v" and pre-release.
	// Docker tags cannot carry semver build metadata ("+").
	semverTag = regexp.MustCompile(`^v?(?:0|[1-9][0-9]*)\.(?:0|[1-9][0-9]*)\.(?:0|[1-9][0-9]*)(?:-[0-9A-Za-z][0-9A-Za-z.-]*)?$`)
	ecrName   = regexp.MustCompile(`^([0-9]{12})\.dkr\.ecr(?:-fips)?\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?/(.+)$`)
)

// parseImage splits and checks an image reference. The error is a rule and a
// fix for validate.Fail.
func parseImage(image string) (imageRef, *problem) {
	var ref imageRef
	name, dig, hasDigest := strings.Cut(image, "@")
	slash := strings.LastIndex(name, "/")
	if i := strings.LastIndex(name[slash+1:], ":"); i >= 0 {
		ref.tag = name[slash+1+i+1:]
		name = name[:slash+1+i]
	}
	ref.name = name
	if !imageName.MatchString(name) {
		return ref, &problem{"an image is \"<registry>/<repository>@sha256:<digest>\" or \"<registry>/<repository>:<MAJOR.MINOR.PATCH>\"",
			"check the image reference"}
	}
	pin := fmt.Sprintf("pin the digest (%s@sha256:<64 hex>, printed by `docker buildx imagetools inspect`) or a full semantic version (%s:1.2.3)", name, name)
	switch {
	case hasDigest:
		if !digest.MatchString(dig) {
			return ref, &problem{"an image digest is sha256: followed by 64 lowercase hex digits", pin}
		}
		ref.digest = dig
		// A tag next to a digest is informational: the digest is pulled.
		ref.tag = ""
	case ref.tag == "":
		return ref, &problem{"an image without a tag pulls \"latest\", which moves with every push (the guidance: pin image tags to immutable digests or semver — never latest)", pin}
	case ref.tag == "latest":
		return ref, &problem{"\"latest\" moves with every push (the guidance: pin image tags to immutable digests or semver — never latest)", pin}
	case !semverTag.MatchString(ref.tag):
		return ref, &problem{fmt.Sprintf("tag %q is not a full MAJOR.MINOR.PATCH version; tags such as stable, main, 1 or 1.2 move to new images (the guidance: pin image tags to immutable digests or semver)", ref.tag), pin}
	}
	if m := ecrName.FindStringSubmatch(name); m != nil {
		partition := "aws"
		if m[3] != "" {
			partition = "aws-cn"
		}
		ref.ecr = &ecrRepo{partition: partition, account: m[1], region: m[2], repository: m[4]}
	}
	return ref, nil
}

// checkImageAsset checks that dir holds a Dockerfile.
func checkImageAsset(dir string) *problem {
	if _, err := os.Stat(filepath.Join(dir, "Dockerfile")); err != nil {
		return &problem{"ImageAsset is a directory containing a Dockerfile", "pass the build context directory (relative to the working directory of cdk synth, or absolute)"}
	}
	return nil
}

// problem is a rule and its fix, before the field and value are known.
type problem struct{ rule, fix string }

// image is the container image and the ECR repository its pulls are scoped
// to (nil for other registries).
type image struct {
	container  awsecs.ContainerImage
	repository awsecr.IRepository
}

// newImage builds a container image from a validated Image reference or
// ImageAsset directory; prefix distinguishes the construct ids of a second
// image (the init container's).
func newImage(scope constructs.Construct, prefix, imageRef, imageAsset string, arch Architecture) image {
	if imageAsset != "" {
		platform := awsecrassets.Platform_LINUX_AMD64()
		if arch == ArchitectureARM64 {
			platform = awsecrassets.Platform_LINUX_ARM64()
		}
		asset := awsecrassets.NewDockerImageAsset(scope, jsii.String(prefix+"ImageAsset"), &awsecrassets.DockerImageAssetProps{
			Directory: jsii.String(imageAsset),
			Platform:  platform,
		})
		return image{container: awsecs.ContainerImage_FromDockerImageAsset(asset), repository: asset.Repository()}
	}
	ref, _ := parseImage(imageRef) // validated
	if ref.ecr == nil {
		return image{container: awsecs.ContainerImage_FromRegistry(jsii.String(imageRef), nil)}
	}
	e := ref.ecr
	repo := awsecr.Repository_FromRepositoryAttributes(scope, jsii.String(prefix+"Repository"), &awsecr.RepositoryAttributes{
		RepositoryName: jsii.String(e.repository),
		RepositoryArn:  jsii.String(fmt.Sprintf("arn:%s:ecr:%s:%s:repository/%s", e.partition, e.region, e.account, e.repository)),
	})
	return image{container: awsecs.ContainerImage_FromEcrRepository(repo, jsii.String(ref.reference())), repository: repo}
}
