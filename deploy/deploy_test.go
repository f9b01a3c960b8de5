package deploy

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"

	"sigs.k8s.io/yaml"
)

// The deployment files, relative to deploy/. Each check reads them from an
// fs.FS, so TestChecksBite can run the same checks on altered copies.
const (
	dockerfilePath = "Dockerfile"
	unitPath       = "trustnudge.service"
	envExamplePath = "trustnudge.env.example"
	kubernetesDir  = "kubernetes"
)

// What every deployment agrees on.
const (
	httpPort    = 8089
	imageBinary = "/trustnudge"
	dataDir     = "/data"
	nonrootUID  = 65532
)

// problems collects what a check found wrong.
type problems []string

func (p *problems) add(format string, args ...any) { *p = append(*p, fmt.Sprintf(format, args...)) }

func report(t *testing.T, ps problems) {
	t.Helper()
	for _, p := range ps {
		t.Error(p)
	}
}

func TestKubernetesManifests(t *testing.T) { report(t, checkKubernetes(os.DirFS("."))) }
func TestSystemdUnit(t *testing.T)         { report(t, checkUnit(os.DirFS("."))) }
func TestEnvExample(t *testing.T)          { report(t, checkEnvExample(os.DirFS("."))) }
func TestDockerfile(t *testing.T)          { report(t, checkDockerfile(os.DirFS("."))) }

// ---- Kubernetes -------------------------------------------------------------

// The structs below model only the fields the manifests use. They are decoded
// strictly, so a misspelt or misplaced field fails the test instead of being
// silently ignored by the check (and by a lenient kubectl). A new field that
// is right needs adding here.

type typeMeta struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
}

type objectMeta struct {
	Name      string            `json:"name"`
	Namespace string            `json:"namespace"`
	Labels    map[string]string `json:"labels"`
}

type k8sNamespace struct {
	typeMeta
	Metadata objectMeta `json:"metadata"`
}

type k8sSecret struct {
	typeMeta
	Metadata   objectMeta        `json:"metadata"`
	Type       string            `json:"type"`
	StringData map[string]string `json:"stringData"`
	Data       map[string]string `json:"data"`
}

type k8sPVC struct {
	typeMeta
	Metadata objectMeta `json:"metadata"`
	Spec     struct {
		AccessModes      []string  `json:"accessModes"`
		Resources        resources `json:"resources"`
		StorageClassName *string   `json:"storageClassName"`
	} `json:"spec"`
}

type resources struct {
	Requests map[string]string `json:"requests"`
	Limits   map[string]string `json:"limits"`
}

type k8sDeployment struct {
	typeMeta
	Metadata objectMeta `json:"metadata"`
	Spec     struct {
		Replicas *int `json:"replicas"`
		Strategy struct {
			Type string `json:"type"`
		} `json:"strategy"`
		Selector struct {
			MatchLabels map[string]string `json:"matchLabels"`
		} `json:"selector"`
		Template struct {
			Metadata objectMeta `json:"metadata"`
			Spec     podSpec    `json:"spec"`
		} `json:"template"`
	} `json:"spec"`
}

type podSpec struct {
	AutomountServiceAccountToken  *bool              `json:"automountServiceAccountToken"`
	EnableServiceLinks            *bool              `json:"enableServiceLinks"`
	TerminationGracePeriodSeconds *int               `json:"terminationGracePeriodSeconds"`
	SecurityContext               podSecurityContext `json:"securityContext"`
	Containers                    []container        `json:"containers"`
	Volumes                       []struct {
		Name                  string `json:"name"`
		PersistentVolumeClaim *struct {
			ClaimName string `json:"claimName"`
		} `json:"persistentVolumeClaim"`
	} `json:"volumes"`
}

type podSecurityContext struct {
	RunAsNonRoot   *bool           `json:"runAsNonRoot"`
	RunAsUser      *int64          `json:"runAsUser"`
	RunAsGroup     *int64          `json:"runAsGroup"`
	FSGroup        *int64          `json:"fsGroup"`
	SeccompProfile *seccompProfile `json:"seccompProfile"`
}

type seccompProfile struct {
	Type string `json:"type"`
}

type container struct {
	Name         string          `json:"name"`
	Image        string          `json:"image"`
	Args         []string        `json:"args"`
	Ports        []containerPort `json:"ports"`
	Env          []envVar        `json:"env"`
	VolumeMounts []struct {
		Name      string `json:"name"`
		MountPath string `json:"mountPath"`
		ReadOnly  bool   `json:"readOnly"`
	} `json:"volumeMounts"`
	LivenessProbe   *probe    `json:"livenessProbe"`
	ReadinessProbe  *probe    `json:"readinessProbe"`
	Resources       resources `json:"resources"`
	SecurityContext *struct {
		RunAsNonRoot             *bool           `json:"runAsNonRoot"`
		RunAsUser                *int64          `json:"runAsUser"`
		ReadOnlyRootFilesystem   *bool           `json:"readOnlyRootFilesystem"`
		AllowPrivilegeEscalation *bool           `json:"allowPrivilegeEscalation"`
		Privileged               *bool           `json:"privileged"`
		SeccompProfile           *seccompProfile `json:"seccompProfile"`
		Capabilities             *struct {
			Add  []string `json:"add"`
			Drop []string `json:"drop"`
		} `json:"capabilities"`
	} `json:"securityContext"`
}

type containerPort struct {
	Name          string `json:"name"`
	ContainerPort int    `json:"containerPort"`
	Protocol      string `json:"protocol"`
}

type envVar struct {
	Name      string `json:"name"`
	Value     string `json:"value"`
	ValueFrom *struct {
		SecretKeyRef *secretKeyRef `json:"secretKeyRef"`
	} `json:"valueFrom"`
}

type secretKeyRef struct {
	Name     string `json:"name"`
	Key      string `json:"key"`
	Optional *bool  `json:"optional"`
}

type probe struct {
	HTTPGet *struct {
		Path string      `json:"path"`
		Port intOrString `json:"port"`
	} `json:"httpGet"`
	InitialDelaySeconds int `json:"initialDelaySeconds"`
	PeriodSeconds       int `json:"periodSeconds"`
	TimeoutSeconds      int `json:"timeoutSeconds"`
	FailureThreshold    int `json:"failureThreshold"`
}

// intOrString is a port given by number or by name.
type intOrString struct {
	Int int
	Str string
}

func (v *intOrString) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		return json.Unmarshal(b, &v.Str)
	}
	return json.Unmarshal(b, &v.Int)
}

type k8sObjects struct {
	namespaces  []k8sNamespace
	secrets     []k8sSecret
	pvcs        []k8sPVC
	deployments []k8sDeployment
	all         []objectMeta // every object, for the namespace check
}

var docSeparator = regexp.MustCompile(`(?m)^---[ \t]*$`)

// loadKubernetes decodes every document of every YAML file under
// kubernetes/, strictly, into the type its kind names.
func loadKubernetes(fsys fs.FS, ps *problems) k8sObjects {
	var objs k8sObjects
	files, err := fs.Glob(fsys, kubernetesDir+"/*")
	if err != nil || len(files) == 0 {
		ps.add("no files under %s/ (%v)", kubernetesDir, err)
		return objs
	}
	for _, name := range files {
		if ext := path.Ext(name); ext != ".yaml" && ext != ".yml" {
			ps.add("%s: only YAML files belong in %s/", name, kubernetesDir)
			continue
		}
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			ps.add("read %s: %v", name, err)
			continue
		}
		for i, doc := range docSeparator.Split(string(b), -1) {
			if isBlankYAML(doc) {
				continue
			}
			decodeObject(name, i, []byte(doc), &objs, ps)
		}
	}
	return objs
}

func isBlankYAML(doc string) bool {
	for _, line := range strings.Split(doc, "\n") {
		if l := strings.TrimSpace(line); l != "" && !strings.HasPrefix(l, "#") {
			return false
		}
	}
	return true
}

func decodeObject(file string, i int, doc []byte, objs *k8sObjects, ps *problems) {
	where := fmt.Sprintf("%s (document %d)", file, i+1)
	var tm typeMeta
	if err := yaml.Unmarshal(doc, &tm); err != nil {
		ps.add("%s is not valid YAML: %v", where, err)
		return
	}
	strict := func(v any, meta *objectMeta) bool {
		if err := decodeStrict(doc, v); err != nil {
			ps.add("%s: %s does not decode strictly (a misspelt or unexpected field?): %v", where, tm.Kind, err)
			return false
		}
		if meta.Name == "" {
			ps.add("%s: %s has no metadata.name", where, tm.Kind)
		}
		objs.all = append(objs.all, *meta)
		return true
	}
	wantAPI := map[string]string{"Namespace": "v1", "Secret": "v1", "PersistentVolumeClaim": "v1", "Deployment": "apps/v1"}
	if api, ok := wantAPI[tm.Kind]; !ok {
		ps.add("%s: kind %q is not one this test knows (%v); add a check for it", where, tm.Kind, slices.Sorted(mapKeys(wantAPI)))
		return
	} else if tm.APIVersion != api {
		ps.add("%s: %s has apiVersion %q, want %q", where, tm.Kind, tm.APIVersion, api)
	}
	switch tm.Kind {
	case "Namespace":
		var o k8sNamespace
		if strict(&o, &o.Metadata) {
			objs.namespaces = append(objs.namespaces, o)
		}
	case "Secret":
		var o k8sSecret
		if strict(&o, &o.Metadata) {
			objs.secrets = append(objs.secrets, o)
		}
	case "PersistentVolumeClaim":
		var o k8sPVC
		if strict(&o, &o.Metadata) {
			objs.pvcs = append(objs.pvcs, o)
		}
	case "Deployment":
		var o k8sDeployment
		if strict(&o, &o.Metadata) {
			objs.deployments = append(objs.deployments, o)
		}
	}
}

// decodeStrict decodes YAML into v and fails on duplicate keys, unknown
// fields and fields whose case differs from v's: encoding/json matches names
// case-insensitively, Kubernetes does not, and would drop such a field.
func decodeStrict(doc []byte, v any) error {
	j, err := yaml.YAMLToJSONStrict(doc)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(j))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	// Every key of the document must come back, spelt the same, when v is
	// encoded again.
	var in, out any
	back, err := json.Marshal(v)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(j, &in); err != nil {
		return err
	}
	if err := json.Unmarshal(back, &out); err != nil {
		return err
	}
	return sameKeys(in, out, "")
}

func sameKeys(in, out any, at string) error {
	switch in := in.(type) {
	case map[string]any:
		out, _ := out.(map[string]any)
		for k, v := range in {
			o, ok := out[k]
			if !ok {
				return fmt.Errorf("unknown field %q (field names are case-sensitive)", at+k)
			}
			if err := sameKeys(v, o, at+k+"."); err != nil {
				return err
			}
		}
	case []any:
		out, _ := out.([]any)
		for i, v := range in {
			if i >= len(out) {
				return fmt.Errorf("%s[%d] was dropped", strings.TrimSuffix(at, "."), i)
			}
			if err := sameKeys(v, out[i], fmt.Sprintf("%s[%d].", strings.TrimSuffix(at, "."), i)); err != nil {
				return err
			}
		}
	}
	return nil
}

func mapKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

func checkKubernetes(fsys fs.FS) problems {
	var ps problems
	objs := loadKubernetes(fsys, &ps)

	if len(objs.deployments) != 1 || len(objs.pvcs) != 1 || len(objs.secrets) != 1 || len(objs.namespaces) > 1 {
		ps.add("want one Deployment, one PersistentVolumeClaim, one Secret and at most one Namespace; got %d, %d, %d, %d",
			len(objs.deployments), len(objs.pvcs), len(objs.secrets), len(objs.namespaces))
		return ps
	}
	d, pvc, secret := objs.deployments[0], objs.pvcs[0], objs.secrets[0]

	// Everything lives in one namespace: the Namespace's, if there is one.
	ns := d.Metadata.Namespace
	if len(objs.namespaces) == 1 {
		ns = objs.namespaces[0].Metadata.Name
	}
	for _, m := range objs.all {
		if m.Namespace == "" && len(objs.namespaces) == 1 && m.Name == ns {
			continue // the Namespace itself
		}
		if m.Namespace != ns {
			ps.add("%s is in namespace %q, want %q like the rest", m.Name, m.Namespace, ns)
		}
	}

	// PVC: one writer at a time, which is all bbolt allows anyway.
	if !slices.Equal(pvc.Spec.AccessModes, []string{"ReadWriteOnce"}) {
		ps.add("pvc %s: accessModes = %v, want [ReadWriteOnce]", pvc.Metadata.Name, pvc.Spec.AccessModes)
	}
	if pvc.Spec.Resources.Requests["storage"] == "" {
		ps.add("pvc %s: no storage request", pvc.Metadata.Name)
	}

	checkSecretExample(secret, &ps)
	checkDeployment(d, pvc, secret, &ps)
	return ps
}

// tokenPrefixes are the Slack tokens the bot needs, by variable.
var tokenPrefixes = map[string]string{"SLACK_APP_TOKEN": "xapp-", "SLACK_BOT_TOKEN": "xoxb-"}

func checkSecretExample(s k8sSecret, ps *problems) {
	if s.Metadata.Name != "trustnudge-tokens" {
		ps.add("secret is named %q, want trustnudge-tokens", s.Metadata.Name)
	}
	if len(s.Data) > 0 {
		ps.add("secret %s: use stringData placeholders, not data", s.Metadata.Name)
	}
	for key, prefix := range tokenPrefixes {
		v, ok := s.StringData[key]
		if !ok {
			ps.add("secret %s: stringData has no %s", s.Metadata.Name, key)
		}
		// A bare prefix fails start-up with a clear message; anything longer
		// could be a real token committed by mistake.
		if ok && v != prefix {
			ps.add("secret %s: %s = %q, want the placeholder %q (never a real token)", s.Metadata.Name, key, v, prefix)
		}
	}
}

func checkDeployment(d k8sDeployment, pvc k8sPVC, secret k8sSecret, ps *problems) {
	name := "deployment " + d.Metadata.Name
	spec := d.Spec
	if spec.Replicas == nil || *spec.Replicas != 1 {
		ps.add("%s: replicas must be set to 1 (bbolt holds an exclusive lock on the database file)", name)
	}
	if spec.Strategy.Type != "Recreate" {
		ps.add("%s: strategy.type = %q, want Recreate (a rolling update's new pod cannot open the locked database)", name, spec.Strategy.Type)
	}
	if len(spec.Selector.MatchLabels) == 0 {
		ps.add("%s: selector.matchLabels is empty", name)
	}
	for k, v := range spec.Selector.MatchLabels {
		if spec.Template.Metadata.Labels[k] != v {
			ps.add("%s: selector label %s=%s is not on the pod template", name, k, v)
		}
	}

	pod := spec.Template.Spec
	if len(pod.Containers) != 1 {
		ps.add("%s: want exactly one container, got %d", name, len(pod.Containers))
		return
	}
	c := pod.Containers[0]
	if c.Image == "" {
		ps.add("%s: container has no image", name)
	}
	if len(c.Args) > 0 && !slices.Equal(c.Args, []string{"run"}) {
		ps.add("%s: args = %v, want [run] or none (the image's default)", name, c.Args)
	}

	// Ports and the address the bot listens on.
	if !slices.ContainsFunc(c.Ports, func(p containerPort) bool { return p.ContainerPort == httpPort }) {
		ps.add("%s: no containerPort %d", name, httpPort)
	}
	env := map[string]string{}
	for _, e := range c.Env {
		if _, dup := env[e.Name]; dup {
			ps.add("%s: env %s is set twice", name, e.Name)
		}
		env[e.Name] = e.Value
		if _, ok := tokenPrefixes[e.Name]; ok {
			var ref *secretKeyRef
			if e.ValueFrom != nil {
				ref = e.ValueFrom.SecretKeyRef
			}
			switch {
			case e.Value != "" || ref == nil:
				ps.add("%s: env %s must come from secretKeyRef, not a value in the manifest", name, e.Name)
			case ref.Name != secret.Metadata.Name || ref.Key != e.Name:
				ps.add("%s: env %s = secret %s key %s, want secret %s key %s", name, e.Name, ref.Name, ref.Key, secret.Metadata.Name, e.Name)
			case ref.Optional != nil && *ref.Optional:
				ps.add("%s: env %s must not be optional", name, e.Name)
			}
		}
		if strings.HasPrefix(e.Value, "xapp-") || strings.HasPrefix(e.Value, "xoxb-") {
			ps.add("%s: env %s holds a token; tokens belong in the Secret", name, e.Name)
		}
	}
	for key := range tokenPrefixes {
		if _, ok := env[key]; !ok {
			ps.add("%s: env %s is missing", name, key)
		}
	}
	checkListenAddr(name+": env TRUSTNUDGE_HTTP_ADDR", env["TRUSTNUDGE_HTTP_ADDR"], ps)

	// The database on the volume, and the volume from the PVC.
	if env["TRUSTNUDGE_DB"] != dataDir+"/trustnudge.db" {
		ps.add("%s: env TRUSTNUDGE_DB = %q, want %s/trustnudge.db", name, env["TRUSTNUDGE_DB"], dataDir)
	}
	volume := ""
	for _, m := range c.VolumeMounts {
		if m.MountPath == dataDir && !m.ReadOnly {
			volume = m.Name
		}
	}
	if volume == "" {
		ps.add("%s: nothing is mounted read-write at %s", name, dataDir)
	}
	claim := ""
	for _, v := range pod.Volumes {
		if v.Name == volume && v.PersistentVolumeClaim != nil {
			claim = v.PersistentVolumeClaim.ClaimName
		}
	}
	if volume != "" && claim != pvc.Metadata.Name {
		ps.add("%s: volume %q at %s comes from claim %q, want %q (pvc.yaml)", name, volume, dataDir, claim, pvc.Metadata.Name)
	}

	// Probes: alive on /healthz, ready on /readyz. Liveness must not use
	// /readyz, or a Slack outage would restart the pod over and over.
	checkProbe := func(kind string, p *probe, wantPath string) {
		if p == nil || p.HTTPGet == nil {
			ps.add("%s: %s needs an httpGet probe on %s", name, kind, wantPath)
			return
		}
		if p.HTTPGet.Path != wantPath {
			ps.add("%s: %s path = %q, want %s", name, kind, p.HTTPGet.Path, wantPath)
		}
		port := p.HTTPGet.Port.Int
		for _, cp := range c.Ports {
			if p.HTTPGet.Port.Str != "" && cp.Name == p.HTTPGet.Port.Str {
				port = cp.ContainerPort
			}
		}
		if port != httpPort {
			ps.add("%s: %s port = %v, want %d", name, kind, p.HTTPGet.Port, httpPort)
		}
		if p.PeriodSeconds < 5 || p.PeriodSeconds > 60 {
			ps.add("%s: %s periodSeconds = %d, want it set, between 5 and 60", name, kind, p.PeriodSeconds)
		}
		if p.TimeoutSeconds < 1 || p.TimeoutSeconds >= p.PeriodSeconds {
			ps.add("%s: %s timeoutSeconds = %d, want it set and below periodSeconds", name, kind, p.TimeoutSeconds)
		}
		if p.FailureThreshold < 2 {
			ps.add("%s: %s failureThreshold = %d, want at least 2 (one slow answer is not a failure)", name, kind, p.FailureThreshold)
		}
	}
	checkProbe("livenessProbe", c.LivenessProbe, "/healthz")
	checkProbe("readinessProbe", c.ReadinessProbe, "/readyz")

	// Resources.
	for _, r := range []struct{ what, got, want string }{
		{"requests.cpu", c.Resources.Requests["cpu"], "50m"},
		{"requests.memory", c.Resources.Requests["memory"], "64Mi"},
		{"limits.cpu", c.Resources.Limits["cpu"], "500m"},
		{"limits.memory", c.Resources.Limits["memory"], "256Mi"},
	} {
		if r.got != r.want {
			ps.add("%s: resources.%s = %q, want %q", name, r.what, r.got, r.want)
		}
	}

	checkSecurityContext(name, pod, c, ps)
}

// checkSecurityContext checks the effective settings: a container's field
// overrides the pod's.
func checkSecurityContext(name string, pod podSpec, c container, ps *problems) {
	psc := pod.SecurityContext
	csc := c.SecurityContext
	if csc == nil {
		ps.add("%s: container has no securityContext", name)
		return
	}
	runAsNonRoot, runAsUser, seccomp := psc.RunAsNonRoot, psc.RunAsUser, psc.SeccompProfile
	if csc.RunAsNonRoot != nil {
		runAsNonRoot = csc.RunAsNonRoot
	}
	if csc.RunAsUser != nil {
		runAsUser = csc.RunAsUser
	}
	if csc.SeccompProfile != nil {
		seccomp = csc.SeccompProfile
	}
	if runAsNonRoot == nil || !*runAsNonRoot {
		ps.add("%s: runAsNonRoot must be true", name)
	}
	if runAsUser == nil || *runAsUser != nonrootUID {
		ps.add("%s: runAsUser must be %d (nonroot in the image)", name, nonrootUID)
	}
	if psc.FSGroup == nil || *psc.FSGroup != nonrootUID {
		ps.add("%s: pod fsGroup must be %d, so the volume is writable by the bot", name, nonrootUID)
	}
	if seccomp == nil || seccomp.Type != "RuntimeDefault" {
		ps.add("%s: seccompProfile.type must be RuntimeDefault", name)
	}
	if csc.ReadOnlyRootFilesystem == nil || !*csc.ReadOnlyRootFilesystem {
		ps.add("%s: readOnlyRootFilesystem must be true", name)
	}
	if csc.AllowPrivilegeEscalation == nil || *csc.AllowPrivilegeEscalation {
		ps.add("%s: allowPrivilegeEscalation must be set to false", name)
	}
	if csc.Privileged != nil && *csc.Privileged {
		ps.add("%s: privileged must not be true", name)
	}
	if csc.Capabilities == nil || !slices.Equal(csc.Capabilities.Drop, []string{"ALL"}) || len(csc.Capabilities.Add) > 0 {
		ps.add("%s: capabilities must drop [ALL] and add none", name)
	}
}

// checkListenAddr requires an address on httpPort on all interfaces, which
// is what lets the kubelet's and Docker's probes reach the bot.
func checkListenAddr(what, addr string, ps *problems) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		ps.add("%s = %q: %v", what, addr, err)
		return
	}
	if port != strconv.Itoa(httpPort) {
		ps.add("%s = %q, want port %d", what, addr, httpPort)
	}
	if host != "0.0.0.0" && host != "" && host != "::" {
		ps.add("%s = %q, want all interfaces (0.0.0.0) so probes from outside the process's loopback reach it", what, addr)
	}
}

// ---- systemd ----------------------------------------------------------------

// unitFile is a parsed unit: section → key → every assignment, in order.
type unitFile map[string]map[string][]string

// parseUnit reads systemd's INI dialect: [Section] headers, Key=Value lines,
// # and ; comments, and lines continued with a trailing backslash.
func parseUnit(text string) (unitFile, error) {
	u := unitFile{}
	section := ""
	sc := bufio.NewScanner(strings.NewReader(text))
	n, pending := 0, ""
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if pending == "" && (line == "" || line[0] == '#' || line[0] == ';') {
			continue
		}
		if strings.HasSuffix(line, `\`) {
			pending += strings.TrimSuffix(line, `\`) + " "
			continue
		}
		line, pending = pending+line, ""
		if strings.HasPrefix(line, "[") {
			if !strings.HasSuffix(line, "]") {
				return nil, fmt.Errorf("line %d: bad section header %q", n, line)
			}
			section = line[1 : len(line)-1]
			if u[section] == nil {
				u[section] = map[string][]string{}
			}
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok || section == "" {
			return nil, fmt.Errorf("line %d: %q is not Key=Value inside a section", n, line)
		}
		k = strings.TrimSpace(k)
		u[section][k] = append(u[section][k], strings.TrimSpace(v))
	}
	return u, sc.Err()
}

// last returns the assignment systemd uses for a single-valued directive.
func (u unitFile) last(section, key string) (string, bool) {
	vs := u[section][key]
	if len(vs) == 0 {
		return "", false
	}
	return vs[len(vs)-1], true
}

// list returns the effective items of a list directive: an empty assignment
// resets the list; later ones add to it.
func (u unitFile) list(section, key string) (items []string, set bool) {
	vs, set := u[section][key]
	for _, v := range vs {
		if v == "" {
			items = nil
			continue
		}
		items = append(items, strings.Fields(v)...)
	}
	return items, set
}

// systemdBool normalises systemd's boolean spellings to yes/no.
func systemdBool(v string) string {
	switch strings.ToLower(v) {
	case "1", "yes", "y", "true", "t", "on":
		return "yes"
	case "0", "no", "n", "false", "f", "off":
		return "no"
	}
	return v
}

// wantService is every single-valued [Service] directive the unit must have,
// with its value. Booleans are compared after systemdBool.
var wantService = map[string]string{
	"ExecStart":               "/usr/local/bin/trustnudge run",
	"EnvironmentFile":         "/etc/trustnudge/env",
	"DynamicUser":             "yes",
	"StateDirectory":          "trustnudge",
	"Restart":                 "on-failure",
	"RestartSec":              "5",
	"KillSignal":              "SIGTERM",
	"TimeoutStopSec":          "30",
	"UMask":                   "0077",
	"ProtectSystem":           "strict",
	"ProtectHome":             "yes",
	"NoNewPrivileges":         "yes",
	"PrivateTmp":              "yes",
	"PrivateDevices":          "yes",
	"ProtectKernelTunables":   "yes",
	"ProtectKernelModules":    "yes",
	"ProtectControlGroups":    "yes",
	"LockPersonality":         "yes",
	"MemoryDenyWriteExecute":  "yes",
	"RestrictRealtime":        "yes",
	"RestrictSUIDSGID":        "yes",
	"SystemCallArchitectures": "native",
}

func checkUnit(fsys fs.FS) problems {
	var ps problems
	b, err := fs.ReadFile(fsys, unitPath)
	if err != nil {
		ps.add("read %s: %v", unitPath, err)
		return ps
	}
	u, err := parseUnit(string(b))
	if err != nil {
		ps.add("%s: %v", unitPath, err)
		return ps
	}
	if u["Service"] == nil {
		ps.add("%s: no [Service] section", unitPath)
		return ps
	}
	for _, key := range slices.Sorted(mapKeys(wantService)) {
		want := wantService[key]
		got, ok := u.last("Service", key)
		switch {
		case !ok:
			ps.add("%s: %s= is missing, want %s=%s", unitPath, key, key, want)
		case systemdBool(got) != systemdBool(want):
			ps.add("%s: %s=%s, want %s=%s", unitPath, key, got, key, want)
		}
	}

	// ExecStart runs the bot: `run` is the subcommand, whatever the spacing.
	if exec, _ := u.last("Service", "ExecStart"); !slices.Equal(strings.Fields(exec), []string{"/usr/local/bin/trustnudge", "run"}) {
		ps.add("%s: ExecStart=%s, want /usr/local/bin/trustnudge run", unitPath, exec)
	}

	// No capabilities at all: the list must be set and end up empty.
	if caps, set := u.list("Service", "CapabilityBoundingSet"); !set || len(caps) > 0 {
		ps.add("%s: CapabilityBoundingSet must be set empty (no capabilities); got set=%v %v", unitPath, set, caps)
	}
	fams, _ := u.list("Service", "RestrictAddressFamilies")
	slices.Sort(fams)
	if !slices.Equal(fams, []string{"AF_INET", "AF_INET6", "AF_UNIX"}) {
		ps.add("%s: RestrictAddressFamilies = %v, want AF_INET AF_INET6 AF_UNIX", unitPath, fams)
	}

	// The database is in the state directory, the one place the unit can write.
	env := map[string]string{}
	for _, v := range u["Service"]["Environment"] {
		for _, f := range strings.Fields(v) {
			k, val, _ := strings.Cut(strings.Trim(f, `"`), "=")
			env[k] = val
		}
	}
	state, _ := u.last("Service", "StateDirectory")
	if db := env["TRUSTNUDGE_DB"]; db != "/var/lib/trustnudge/trustnudge.db" || path.Dir(db) != "/var/lib/"+state {
		ps.add("%s: Environment TRUSTNUDGE_DB=%q, want /var/lib/trustnudge/trustnudge.db, inside StateDirectory=%s", unitPath, db, state)
	}

	if wanted, _ := u.list("Install", "WantedBy"); !slices.Contains(wanted, "multi-user.target") {
		ps.add("%s: [Install] WantedBy= must include multi-user.target, so `systemctl enable` starts it at boot", unitPath)
	}
	return ps
}

// ---- environment file -------------------------------------------------------

func checkEnvExample(fsys fs.FS) problems {
	var ps problems
	b, err := fs.ReadFile(fsys, envExamplePath)
	if err != nil {
		ps.add("read %s: %v", envExamplePath, err)
		return ps
	}
	set := map[string]string{}
	for i, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			ps.add("%s:%d: %q is not VAR=value", envExamplePath, i+1, line)
			continue
		}
		// Docker's --env-file keeps quotes and trailing comments as part of
		// the value; systemd does not. Neither belongs in a file both read.
		if strings.ContainsAny(v, `"'#`) {
			ps.add("%s:%d: %s's value has quotes or a comment, which Docker and systemd read differently", envExamplePath, i+1, k)
		}
		set[k] = v
	}
	for key, prefix := range tokenPrefixes {
		if v, ok := set[key]; !ok || v != prefix {
			ps.add("%s: want %s=%s as the placeholder, got %q", envExamplePath, key, prefix, v)
		}
	}
	// These come from the unit and the image; set here, they would override
	// the unit's Environment= and put the database outside the state directory.
	for _, key := range []string{"TRUSTNUDGE_DB", "TRUSTNUDGE_HTTP_ADDR"} {
		if _, ok := set[key]; ok {
			ps.add("%s: sets %s, which the unit and the image set", envExamplePath, key)
		}
	}
	return ps
}

// ---- Dockerfile -------------------------------------------------------------

type instruction struct {
	cmd  string // upper case: FROM, RUN, …
	args string
	line int
}

// parseDockerfile splits a Dockerfile into instructions, joining lines
// continued with a trailing backslash and dropping comments.
func parseDockerfile(text string) []instruction {
	var out []instruction
	var cur strings.Builder
	start := 0
	for i, raw := range strings.Split(text, "\n") {
		line := strings.TrimSpace(raw)
		if strings.HasPrefix(line, "#") || (line == "" && cur.Len() == 0) {
			continue
		}
		if cur.Len() == 0 {
			start = i + 1
		}
		if strings.HasSuffix(line, `\`) {
			cur.WriteString(strings.TrimSuffix(line, `\`) + " ")
			continue
		}
		cur.WriteString(line)
		full := strings.TrimSpace(cur.String())
		cur.Reset()
		if full == "" {
			continue
		}
		cmd, args, _ := strings.Cut(full, " ")
		out = append(out, instruction{cmd: strings.ToUpper(cmd), args: strings.TrimSpace(args), line: start})
	}
	return out
}

type stage struct {
	image, name string
	instrs      []instruction
}

func dockerStages(instrs []instruction) []stage {
	var stages []stage
	for _, in := range instrs {
		if in.cmd == "FROM" {
			var s stage
			fields := strings.Fields(in.args)
			for len(fields) > 0 && strings.HasPrefix(fields[0], "--") {
				fields = fields[1:]
			}
			if len(fields) > 0 {
				s.image = fields[0]
			}
			if len(fields) == 3 && strings.EqualFold(fields[1], "AS") {
				s.name = fields[2]
			}
			stages = append(stages, s)
			continue
		}
		if len(stages) > 0 {
			stages[len(stages)-1].instrs = append(stages[len(stages)-1].instrs, in)
		}
	}
	return stages
}

func (s stage) all(cmd string) []instruction {
	var out []instruction
	for _, in := range s.instrs {
		if in.cmd == cmd {
			out = append(out, in)
		}
	}
	return out
}

// execForm parses a JSON array argument (exec form). Shell form needs
// /bin/sh, which the distroless image does not have.
func execForm(args string) ([]string, bool) {
	var v []string
	if err := json.Unmarshal([]byte(args), &v); err != nil {
		return nil, false
	}
	return v, true
}

// copyArgs splits a COPY's arguments into flags, sources and destination.
func copyArgs(args string) (flags map[string]string, srcs []string, dst string) {
	flags = map[string]string{}
	fields := strings.Fields(args)
	for len(fields) > 0 && strings.HasPrefix(fields[0], "--") {
		k, v, _ := strings.Cut(strings.TrimPrefix(fields[0], "--"), "=")
		flags[k] = v
		fields = fields[1:]
	}
	if len(fields) < 2 {
		return flags, nil, ""
	}
	return flags, fields[:len(fields)-1], fields[len(fields)-1]
}

// buildContextDirs are what the build stage may copy from the context. A
// wider COPY (`COPY . .`) would pull in .git, local databases and backups.
var buildContextDirs = []string{"go.mod", "go.sum", "cmd", "internal", "nudges"}

func checkDockerfile(fsys fs.FS) problems {
	var ps problems
	b, err := fs.ReadFile(fsys, dockerfilePath)
	if err != nil {
		ps.add("read %s: %v", dockerfilePath, err)
		return ps
	}
	stages := dockerStages(parseDockerfile(string(b)))
	if len(stages) != 2 {
		ps.add("%s: want two FROM stages (build, runtime), got %d", dockerfilePath, len(stages))
		return ps
	}
	build, final := stages[0], stages[1]

	// Build stage.
	if !strings.HasPrefix(build.image, "golang:1.26") {
		ps.add("%s: build stage FROM %s, want golang:1.26…", dockerfilePath, build.image)
	}
	if build.name == "" {
		ps.add("%s: build stage needs a name (FROM … AS build) for COPY --from", dockerfilePath)
	}
	built := false
	for _, in := range build.all("RUN") {
		if strings.Contains(in.args, "go build") {
			for _, want := range []string{"CGO_ENABLED=0", "-trimpath", "-X main.version=", "-o " + imageBinary, "./cmd/trustnudge"} {
				if !strings.Contains(in.args, want) {
					ps.add("%s:%d: go build lacks %q", dockerfilePath, in.line, want)
				}
			}
			built = true
		}
	}
	if !built {
		ps.add("%s: build stage has no RUN … go build", dockerfilePath)
	}
	for _, in := range build.all("COPY") {
		flags, srcs, _ := copyArgs(in.args)
		if _, ok := flags["from"]; ok {
			continue
		}
		for _, src := range srcs {
			if !slices.Contains(buildContextDirs, strings.Trim(path.Clean(src), "/")) {
				ps.add("%s:%d: COPY %s; copy only %v from the context", dockerfilePath, in.line, src, buildContextDirs)
			}
		}
	}
	for _, in := range build.all("ADD") {
		ps.add("%s:%d: use COPY, not ADD", dockerfilePath, in.line)
	}

	// Runtime stage.
	switch final.image {
	case "gcr.io/distroless/static-debian12:nonroot":
	case "scratch":
		// scratch has no CA certificates; the bot needs them for slack.com.
		hasCerts := slices.ContainsFunc(final.all("COPY"), func(in instruction) bool { return strings.Contains(in.args, "ca-certificates") })
		if !hasCerts {
			ps.add("%s: FROM scratch needs the CA certificates copied in", dockerfilePath)
		}
	default:
		ps.add("%s: runtime stage FROM %s, want gcr.io/distroless/static-debian12:nonroot or scratch", dockerfilePath, final.image)
	}

	users := final.all("USER")
	if len(users) == 0 {
		ps.add("%s: runtime stage has no USER; it must run as nonroot (%d)", dockerfilePath, nonrootUID)
	} else if u, _, _ := strings.Cut(users[len(users)-1].args, ":"); u != "nonroot" && u != strconv.Itoa(nonrootUID) {
		ps.add("%s: runtime USER %s, want nonroot or %d", dockerfilePath, users[len(users)-1].args, nonrootUID)
	}

	entry := ""
	if ins := final.all("ENTRYPOINT"); len(ins) == 0 {
		ps.add("%s: runtime stage has no ENTRYPOINT", dockerfilePath)
	} else if v, ok := execForm(ins[len(ins)-1].args); !ok || !slices.Equal(v, []string{imageBinary}) {
		ps.add("%s: ENTRYPOINT %s, want [%q] in exec form", dockerfilePath, ins[len(ins)-1].args, imageBinary)
	} else {
		entry = v[0]
	}
	if ins := final.all("CMD"); len(ins) == 0 {
		ps.add("%s: runtime stage has no CMD [\"run\"]", dockerfilePath)
	} else if v, ok := execForm(ins[len(ins)-1].args); !ok || !slices.Equal(v, []string{"run"}) {
		ps.add("%s: CMD %s, want [\"run\"] in exec form", dockerfilePath, ins[len(ins)-1].args)
	}
	copied := slices.ContainsFunc(final.all("COPY"), func(in instruction) bool {
		flags, srcs, dst := copyArgs(in.args)
		return flags["from"] == build.name && slices.Contains(srcs, imageBinary) && dst == entry
	})
	if entry != "" && !copied {
		ps.add("%s: the runtime stage does not COPY --from=%s %s %s", dockerfilePath, build.name, imageBinary, entry)
	}

	if ins := final.all("HEALTHCHECK"); len(ins) != 1 {
		ps.add("%s: want one HEALTHCHECK in the runtime stage, got %d", dockerfilePath, len(ins))
	} else {
		args := ins[0].args
		for strings.HasPrefix(args, "--") {
			_, args, _ = strings.Cut(args, " ")
			args = strings.TrimSpace(args)
		}
		cmd, ok := strings.CutPrefix(args, "CMD ")
		v, exec := execForm(strings.TrimSpace(cmd))
		if !ok || !exec || !slices.Equal(v, []string{imageBinary, "healthcheck"}) {
			ps.add("%s: HEALTHCHECK %s, want CMD [%q, \"healthcheck\"] in exec form", dockerfilePath, ins[0].args, imageBinary)
		}
	}

	env := map[string]string{}
	for _, in := range final.all("ENV") {
		for _, f := range strings.Fields(in.args) {
			k, v, ok := strings.Cut(f, "=")
			if !ok {
				ps.add("%s:%d: write ENV as KEY=value", dockerfilePath, in.line)
			}
			env[k] = strings.Trim(v, `"`)
		}
	}
	if env["TRUSTNUDGE_DB"] != dataDir+"/trustnudge.db" {
		ps.add("%s: ENV TRUSTNUDGE_DB=%q, want %s/trustnudge.db (on the volume)", dockerfilePath, env["TRUSTNUDGE_DB"], dataDir)
	}
	checkListenAddr(dockerfilePath+": ENV TRUSTNUDGE_HTTP_ADDR", env["TRUSTNUDGE_HTTP_ADDR"], &ps)

	volumes := []string{}
	for _, in := range final.all("VOLUME") {
		if v, ok := execForm(in.args); ok {
			volumes = append(volumes, v...)
		} else {
			volumes = append(volumes, strings.Fields(in.args)...)
		}
	}
	if !slices.Contains(volumes, dataDir) {
		ps.add("%s: VOLUME %s missing (got %v)", dockerfilePath, dataDir, volumes)
	}
	exposed := false
	for _, in := range final.all("EXPOSE") {
		for _, p := range strings.Fields(in.args) {
			exposed = exposed || strings.TrimSuffix(p, "/tcp") == strconv.Itoa(httpPort)
		}
	}
	if !exposed {
		ps.add("%s: EXPOSE %d missing", dockerfilePath, httpPort)
	}
	return ps
}

// TestDockerfileCopiesEveryPackage fails when the binary is built from a
// package outside the directories the Dockerfile copies (a new top-level
// directory, say), which would break `docker build` but no other test.
func TestDockerfileCopiesEveryPackage(t *testing.T) {
	out, err := exec.Command("go", "list", "-e", "-deps", "-f", "{{if .Module}}{{if .Module.Main}}{{.ImportPath}}{{end}}{{end}}", "../cmd/trustnudge").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	const module = "github.com/trustnudge/trustnudge/"
	n := 0
	for _, pkg := range strings.Fields(string(out)) {
		rel, ok := strings.CutPrefix(pkg, module)
		if !ok {
			t.Errorf("package %s is outside module %s", pkg, module)
			continue
		}
		n++
		top, _, _ := strings.Cut(rel, "/")
		if !slices.Contains(buildContextDirs, top) {
			t.Errorf("the binary needs %s, but %s copies only %v", pkg, dockerfilePath, buildContextDirs)
		}
	}
	if n < 3 {
		t.Fatalf("go list found only %d module packages:\n%s", n, out)
	}
}

// TestDockerfileGoMatchesModule keeps the builder image on the Go release
// go.mod asks for.
func TestDockerfileGoMatchesModule(t *testing.T) {
	mod, err := os.ReadFile("../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^go (\d+\.\d+)`).FindSubmatch(mod)
	if m == nil {
		t.Fatal("go.mod has no go directive")
	}
	df, err := os.ReadFile(dockerfilePath)
	if err != nil {
		t.Fatal(err)
	}
	stages := dockerStages(parseDockerfile(string(df)))
	if len(stages) == 0 {
		t.Fatalf("%s has no FROM", dockerfilePath)
	}
	want := "golang:" + string(m[1])
	if img := stages[0].image; img != want && !strings.HasPrefix(img, want+"-") && !strings.HasPrefix(img, want+".") {
		t.Errorf("build stage FROM %s; go.mod says go %s, want %s or %s-…", img, m[1], want, want)
	}
}

// ---- the checks can fail ----------------------------------------------------

// TestChecksBite changes the files in the ways the checks guard against and
// requires each change to be caught, for the reason expected.
func TestChecksBite(t *testing.T) {
	type mutation struct {
		name, file, old, new, want string
		check                      func(fs.FS) problems
	}
	dep := kubernetesDir + "/deployment.yaml"
	muts := []mutation{
		{"two replicas", dep, "replicas: 1", "replicas: 2", "replicas", checkKubernetes},
		{"rolling update", dep, "type: Recreate", "type: RollingUpdate", "Recreate", checkKubernetes},
		{"liveness on readyz", dep, "path: /healthz", "path: /readyz", "livenessProbe path", checkKubernetes},
		{"readiness on healthz", dep, "path: /readyz", "path: /healthz", "readinessProbe path", checkKubernetes},
		{"liveness port", dep, "port: 8089\n            initialDelaySeconds: 5", "port: 8080\n            initialDelaySeconds: 5", "livenessProbe port", checkKubernetes},
		{"readiness named port unknown", dep, "port: 8089\n            initialDelaySeconds: 2", "port: metrics\n            initialDelaySeconds: 2", "readinessProbe port", checkKubernetes},
		{"no probe period", dep, "            periodSeconds: 20\n", "", "livenessProbe periodSeconds", checkKubernetes},
		{"container port", dep, "containerPort: 8089", "containerPort: 8090", "containerPort", checkKubernetes},
		{"loopback address", dep, "value: 0.0.0.0:8089", "value: 127.0.0.1:8089", "all interfaces", checkKubernetes},
		{"database off the volume", dep, "value: /data/trustnudge.db", "value: /tmp/trustnudge.db", "TRUSTNUDGE_DB", checkKubernetes},
		{"writable root", dep, "readOnlyRootFilesystem: true", "readOnlyRootFilesystem: false", "readOnlyRootFilesystem", checkKubernetes},
		{"misspelt field", dep, "readOnlyRootFilesystem: true", "readOnlyRootFileSystem: true", "decode strictly", checkKubernetes},
		{"privilege escalation", dep, "allowPrivilegeEscalation: false", "allowPrivilegeEscalation: true", "allowPrivilegeEscalation", checkKubernetes},
		{"capabilities kept", dep, `drop: ["ALL"]`, `drop: ["NET_RAW"]`, "capabilities", checkKubernetes},
		{"seccomp unconfined", dep, "type: RuntimeDefault", "type: Unconfined", "seccompProfile", checkKubernetes},
		{"root user", dep, "runAsUser: 65532", "runAsUser: 0", "runAsUser", checkKubernetes},
		{"container overrides runAsNonRoot", dep, "runAsNonRoot: true\n            readOnly", "runAsNonRoot: false\n            readOnly", "runAsNonRoot", checkKubernetes},
		{"fsGroup", dep, "fsGroup: 65532", "fsGroup: 1000", "fsGroup", checkKubernetes},
		{"cpu request", dep, "cpu: 50m", "cpu: 5m", "requests.cpu", checkKubernetes},
		{"no memory limit", dep, "              memory: 256Mi\n", "", "limits.memory", checkKubernetes},
		{"wrong secret key", dep, "key: SLACK_BOT_TOKEN", "key: BOT_TOKEN", "SLACK_BOT_TOKEN", checkKubernetes},
		{"wrong secret", dep, "name: trustnudge-tokens\n                  key: SLACK_APP_TOKEN", "name: slack\n                  key: SLACK_APP_TOKEN", "SLACK_APP_TOKEN", checkKubernetes},
		{"inline token", dep, "- name: TRUSTNUDGE_DB\n", "- name: SLACK_APP_TOKEN\n              value: xapp-1-A\n            - name: TRUSTNUDGE_DB\n", "SLACK_APP_TOKEN", checkKubernetes},
		{"other claim", dep, "claimName: trustnudge-data", "claimName: data", "claim", checkKubernetes},
		{"emptyDir volume", dep, "persistentVolumeClaim:\n            claimName: trustnudge-data", "emptyDir: {}", "decode strictly", checkKubernetes},
		{"other namespace", dep, "namespace: trustnudge", "namespace: default", "namespace", checkKubernetes},
		{"pvc shared", kubernetesDir + "/pvc.yaml", "- ReadWriteOnce", "- ReadWriteMany", "accessModes", checkKubernetes},
		{"real token in secret", kubernetesDir + "/secret.example.yaml", `SLACK_BOT_TOKEN: "xoxb-"`, `SLACK_BOT_TOKEN: "xoxb-123-456-abc"`, "never a real token", checkKubernetes},

		{"ExecStart demo", unitPath, "trustnudge run", "trustnudge demo", "ExecStart", checkUnit},
		{"capabilities granted", unitPath, "CapabilityBoundingSet=\n", "CapabilityBoundingSet=CAP_NET_ADMIN\n", "CapabilityBoundingSet", checkUnit},
		{"capabilities unset", unitPath, "CapabilityBoundingSet=\n", "", "CapabilityBoundingSet", checkUnit},
		{"netlink allowed", unitPath, "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX", "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX AF_NETLINK", "RestrictAddressFamilies", checkUnit},
		{"later override", unitPath, "[Install]", "NoNewPrivileges=no\n\n[Install]", "NoNewPrivileges", checkUnit},
		{"database outside state", unitPath, "TRUSTNUDGE_DB=/var/lib/trustnudge/trustnudge.db", "TRUSTNUDGE_DB=/srv/trustnudge.db", "TRUSTNUDGE_DB", checkUnit},

		{"root user", dockerfilePath, "USER 65532:65532", "USER root", "USER", checkDockerfile},
		{"no user", dockerfilePath, "USER 65532:65532\n", "", "no USER", checkDockerfile},
		{"one stage", dockerfilePath, "FROM gcr.io/distroless/static-debian12:nonroot\n", "", "two FROM", checkDockerfile},
		{"full base image", dockerfilePath, "FROM gcr.io/distroless/static-debian12:nonroot", "FROM debian:bookworm", "runtime stage FROM", checkDockerfile},
		{"healthcheck version", dockerfilePath, `"/trustnudge", "healthcheck"]`, `"/trustnudge", "version"]`, "HEALTHCHECK", checkDockerfile},
		{"healthcheck shell form", dockerfilePath, `CMD ["/trustnudge", "healthcheck"]`, `CMD /trustnudge healthcheck`, "HEALTHCHECK", checkDockerfile},
		{"no volume", dockerfilePath, "VOLUME /data\n", "", "VOLUME", checkDockerfile},
		{"no entrypoint", dockerfilePath, `ENTRYPOINT ["/trustnudge"]` + "\n", "", "ENTRYPOINT", checkDockerfile},
		{"shell entrypoint", dockerfilePath, `ENTRYPOINT ["/trustnudge"]`, `ENTRYPOINT /trustnudge`, "ENTRYPOINT", checkDockerfile},
		{"whole context", dockerfilePath, "COPY cmd/ cmd/", "COPY . .", "COPY .", checkDockerfile},
		{"cgo", dockerfilePath, "CGO_ENABLED=0 go build", "go build", "CGO_ENABLED=0", checkDockerfile},
		{"database off the volume", dockerfilePath, "TRUSTNUDGE_DB=/data/trustnudge.db", "TRUSTNUDGE_DB=/trustnudge.db", "TRUSTNUDGE_DB", checkDockerfile},
		{"no expose", dockerfilePath, "EXPOSE 8089\n", "", "EXPOSE", checkDockerfile},

		{"real token in env", envExamplePath, "SLACK_APP_TOKEN=xapp-\n", "SLACK_APP_TOKEN=xapp-1-A0-abc\n", "SLACK_APP_TOKEN", checkEnvExample},
		{"env file overrides db", envExamplePath, "#TRUSTNUDGE_LOG_LEVEL=info", "TRUSTNUDGE_DB=/tmp/x.db", "TRUSTNUDGE_DB", checkEnvExample},
	}
	// Every single-valued unit directive, removed and then given a wrong value.
	for key, want := range wantService {
		line := key + "=" + want + "\n"
		muts = append(muts,
			mutation{"unit without " + key, unitPath, line, "", key, checkUnit},
			mutation{"unit with wrong " + key, unitPath, line, key + "=wrong\n", key, checkUnit})
	}

	base := fstest.MapFS{}
	err := fs.WalkDir(os.DirFS("."), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		base[p] = &fstest.MapFile{Data: b}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range muts {
		t.Run(m.file+"/"+m.name, func(t *testing.T) {
			if ps := m.check(base); len(ps) > 0 {
				t.Fatalf("the unchanged files already fail: %v", ps)
			}
			orig := string(base[m.file].Data)
			if n := strings.Count(orig, m.old); n != 1 {
				t.Fatalf("%q occurs %d times in %s, want once; update this mutation", m.old, n, m.file)
			}
			changed := fstest.MapFS{}
			for k, v := range base {
				changed[k] = v
			}
			changed[m.file] = &fstest.MapFile{Data: []byte(strings.Replace(orig, m.old, m.new, 1))}
			ps := m.check(changed)
			if len(ps) == 0 {
				t.Fatalf("replacing %q with %q in %s went unnoticed", m.old, m.new, m.file)
			}
			if !slices.ContainsFunc(ps, func(p string) bool { return strings.Contains(p, m.want) }) {
				t.Errorf("replacing %q with %q in %s was caught, but no problem mentions %q: %v", m.old, m.new, m.file, m.want, ps)
			}
		})
	}
}
