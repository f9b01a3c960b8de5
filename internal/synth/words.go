package synth

// Word lists for names and texts. Texts are random words: they carry no
// meaning, only the shape and size of real messages.

var firstNames = []string{
	"Alice", "Bruno", "Chiara", "Daniel", "Elena", "Farid", "Greta", "Hiro",
	"Ines", "Jonas", "Keiko", "Lars", "Maya", "Nikhil", "Olga", "Pablo",
	"Quinn", "Rosa", "Samir", "Tanja", "Umar", "Vera", "Wen", "Ximena",
	"Yusuf", "Zoe", "Anika", "Ben", "Carla", "Dev", "Emma", "Finn",
	"Gita", "Hugo", "Ivy", "Jamal", "Kira", "Leo", "Mina", "Noah",
	"Priya", "Rahul", "Sofia", "Tom", "Uma", "Viktor", "Will", "Yara",
}

var lastNames = []string{
	"Keller", "Okafor", "Rossi", "Schmidt", "Tanaka", "Haddad", "Larsen",
	"Sato", "Moreau", "Weber", "Kim", "Nilsson", "Patel", "Iyer", "Petrova",
	"Garcia", "Murphy", "Silva", "Khan", "Novak", "Ali", "Costa", "Li",
	"Lopez", "Demir", "Fischer", "Brown", "Wagner", "Mehta", "Jensen",
	"Becker", "Rao", "Dubois", "Owens", "Santos", "Hoffmann", "Singh", "Berg",
}

var titles = []string{
	"Software Engineer", "Senior Software Engineer", "Product Designer",
	"Data Analyst", "Site Reliability Engineer", "QA Engineer",
	"Product Manager", "Technical Writer", "Support Engineer",
}

var words = []string{
	"the", "a", "to", "and", "of", "in", "for", "on", "with", "we", "it",
	"is", "this", "that", "can", "should", "will", "be", "not", "just",
	"deploy", "release", "build", "branch", "review", "merge", "ticket",
	"customer", "meeting", "sprint", "roadmap", "draft", "spec", "design",
	"query", "latency", "dashboard", "alert", "budget", "invoice", "report",
	"migration", "schema", "cluster", "cache", "service", "endpoint", "token",
	"config", "rollout", "flag", "experiment", "metric", "backlog", "estimate",
	"feedback", "demo", "slides", "agenda", "notes", "update", "status",
	"blocked", "ready", "done", "today", "tomorrow", "later", "soon", "maybe",
	"quick", "question", "idea", "plan", "issue", "bug", "fix", "patch",
	"test", "flaky", "green", "red", "check", "again", "looks", "good",
	"thanks", "sure", "please", "could", "you", "me", "us", "them", "our",
	"their", "from", "about", "after", "before", "while", "because", "if",
	"when", "then", "also", "still", "already", "more", "less", "some",
	"any", "every", "other", "next", "last", "first", "new", "old", "small",
	"big", "hard", "easy", "open", "close", "share", "send", "ask", "move",
	"keep", "try", "think", "know", "need", "want", "see", "look", "find",
	"write", "read", "run", "start", "stop", "wait", "call", "sync", "pair",
	"onboarding", "interview", "hiring", "offsite", "retro", "standup",
	"planning", "quarter", "goal", "okr", "launch", "partner", "contract",
	"pricing", "analytics", "funnel", "signup", "mobile", "android", "ios",
	"web", "backend", "frontend", "api", "database", "index", "queue",
	"worker", "cron", "backup", "restore", "incident", "postmortem", "oncall",
	"pager", "runbook", "docs", "wiki", "repo", "commit", "diff", "lint",
	"coverage", "benchmark", "profile", "memory", "cpu", "disk", "network",
}

var emoji = []string{
	":tada:", ":+1:", ":eyes:", ":rocket:", ":pray:", ":sweat_smile:",
	":white_check_mark:", ":fire:", ":thinking_face:", ":coffee:",
}

var reactionNames = []string{
	"+1", "eyes", "white_check_mark", "heart", "tada", "raised_hands",
	"joy", "pray", "rocket", "100", "thinking_face", "fire",
}

var linkHosts = []string{
	"github.com/acme/platform/pull/", "docs.google.com/document/d/",
	"acme.atlassian.net/browse/PLAT-", "grafana.acme.dev/d/",
	"www.figma.com/file/",
}

var fileKinds = []struct{ ext, mime, kind string }{
	{"pdf", "application/pdf", "pdf"},
	{"png", "image/png", "png"},
	{"csv", "text/csv", "csv"},
	{"txt", "text/plain", "text"},
}
