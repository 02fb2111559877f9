import Mustache

/// The web UI's templates, compiled into the binary (no resource bundle): one layout split in a
/// header and a footer partial, and one template per page. `{{name}}` escapes HTML (`<`, `>`, `&`,
/// quotes); `{{{name}}}` is used only for SVG and HTML that fs builds itself from escaped parts
/// (``UISVG``, and ``UIRows`` for the long tables).
enum UITemplates {
    static let header = """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>{{title}} · fs</title>
        <link rel="stylesheet" href="/ui/style.css">
        <link rel="icon" href="data:,">
        </head>
        <body>
        <nav>
        <a class="brand" href="/ui">fs</a>
        <a href="/ui/entities">Entities</a>
        <a href="/ui/sources">Sources</a>
        <a href="/ui/feature-views">Feature views</a>
        <a href="/ui/feature-services">Feature services</a>
        <a href="/ui/lineage">Lineage</a>
        <a href="/ui/drift">Drift</a>
        <a href="/ui/jobs">Jobs</a>
        <span class="version">{{#version}}registry v{{version}}{{/version}}</span>
        {{#signOut}}<form class="signout" method="post" action="/ui/sign-out"><button>Sign out</button></form>{{/signOut}}
        </nav>
        <main>
        <h1>{{title}}</h1>

        """

    static let footer = """
        </main>
        </body>
        </html>

        """

    static let overview = """
        {{>header}}
        <section class="cards">
        <a class="card" href="/ui/entities"><b>{{entities}}</b> entities</a>
        <a class="card" href="/ui/sources"><b>{{sources}}</b> sources</a>
        <a class="card" href="/ui/feature-views"><b>{{views}}</b> feature views</a>
        <a class="card" href="/ui/feature-services"><b>{{services}}</b> feature services</a>
        </section>
        <p>Registry version {{version}}{{#project}}, project <b>{{project}}</b>{{/project}}. Scheduler: {{scheduler}}. Now: {{now}}.</p>
        <h2>Freshness</h2>
        <p class="note">Stale (red): the newest event is older than the view's ttl, or its last materialization is more than two schedule intervals old.{{#staleCount}} <b class="bad">{{staleCount}} stale.</b>{{/staleCount}} Rows online (≈): {{countNote}}</p>
        <table>
        <thead><tr><th>Feature view</th><th>Newest event</th><th>Age</th><th>Last materialization</th><th>Watermark</th><th>Rows online</th><th>Schedule</th><th>TTL</th></tr></thead>
        <tbody>
        {{{rowsHTML}}}
        </tbody>
        </table>
        {{>footer}}
        """

    static let list = """
        {{>header}}
        <form class="search" method="get" action="{{path}}"><input type="search" name="q" value="{{query}}" placeholder="Search names, descriptions, owners, tags" autofocus> <button>Search</button>{{#query}} <a href="{{path}}">clear</a>{{/query}}</form>
        <p class="note">{{shown}} of {{total}}.</p>
        <table>
        <thead><tr>{{#columns}}<th>{{.}}</th>{{/columns}}</tr></thead>
        <tbody>
        {{{itemsHTML}}}
        </tbody>
        </table>
        {{>footer}}
        """

    static let detail = """
        {{>header}}
        <p class="kind">{{kind}}{{#location}} · defined at <code>{{location}}</code>{{/location}}</p>
        {{#description}}<p class="description">{{description}}</p>{{/description}}
        <table class="facts">
        {{#owner}}<tr><th>Owner</th><td>{{owner}}</td></tr>{{/owner}}
        {{#facts}}<tr><th>{{label}}</th><td>{{#links}}<a href="{{href}}">{{text}}</a> {{/links}}{{value}}</td></tr>{{/facts}}
        {{#hasTags}}<tr><th>Tags</th><td>{{#tags}}<span class="tag">{{key}}={{value}}</span> {{/tags}}</td></tr>{{/hasTags}}
        </table>
        {{#hasFeatures}}
        <h2>Features</h2>
        <table>
        <thead><tr><th>Feature</th><th>Type</th><th>Description</th><th></th></tr></thead>
        <tbody>
        {{#features}}<tr><td>{{name}}</td><td>{{type}}</td><td>{{description}}</td><td>{{#statsHref}}<a href="{{statsHref}}">stats</a>{{/statsHref}}</td></tr>{{/features}}
        </tbody>
        </table>
        {{/hasFeatures}}
        {{#lookup}}
        <h2>Look up</h2>
        <form id="lookup" data-features="{{featureList}}">
        {{#keys}}<label>{{name}} <input name="{{name}}" data-type="{{type}}" placeholder="{{type}}" required></label> {{/keys}}
        <button>Get online features</button>
        </form>
        <pre id="answer" class="answer">Enter the entity keys and press the button.</pre>
        <h3>curl</h3>
        <pre>{{curl}}</pre>
        <h3>Python</h3>
        <pre>{{python}}</pre>
        <script src="/ui/lookup.js"></script>
        {{/lookup}}
        {{#hasRunsSection}}
        <h2>Last materializations</h2>
        {{>runs}}
        <p><a href="/ui/jobs">All runs</a></p>
        {{/hasRunsSection}}
        <h2>Definition</h2>
        <pre>{{definition}}</pre>
        {{>footer}}
        """

    static let lineage = """
        {{>header}}
        <p class="note">Sources feed feature views, which feature services read. Every box links to its page.</p>
        <div class="svg">{{{svg}}}</div>
        {{>footer}}
        """

    static let stats = """
        {{>header}}
        <p class="kind">{{type}} · {{source}}{{#range}} · {{range}}{{/range}}</p>
        {{#note}}<p class="note">{{note}}</p>{{/note}}
        <form class="search" method="get"><label>Window <select name="window">{{#windows}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/windows}}</select></label> <button>Show</button></form>
        {{#profile}}
        {{#served}}<p class="legend"><span class="swatch offline"></span> offline history <span class="swatch served"></span> served ({{servedSource}}{{#servedRange}}, {{servedRange}}{{/servedRange}})</p>{{/served}}
        <div class="svg">{{{histogram}}}</div>
        <table class="facts">
        <thead><tr><th></th><th>offline</th>{{#served}}<th>served</th>{{/served}}</tr></thead>
        {{#figures}}<tr><th>{{label}}</th><td>{{value}}</td>{{#hasServed}}<td>{{servedValue}}</td>{{/hasServed}}</tr>{{/figures}}
        </table>
        {{/profile}}
        {{#servedNote}}<p class="note">Served: {{servedNote}}</p>{{/servedNote}}
        <p><a href="/ui/feature-views/{{view}}">feature view {{view}}</a> · <a href="/stats/{{view}}/{{feature}}">JSON</a></p>
        {{>footer}}
        """

    static let driftIndex = """
        {{>header}}
        <p class="note">Services with a monitoring baseline (<code>monitoring: { baseline: NAME }</code>); drift of another service needs a baseline in the address, e.g. <code>/ui/drift?service=NAME&amp;baseline=BASELINE</code>.</p>
        <ul>
        {{#services}}<li><a href="/ui/drift?service={{name}}">{{name}}</a> against {{baseline}}</li>{{/services}}
        </ul>
        {{^services}}<p>No feature service declares a monitoring baseline.</p>{{/services}}
        {{>footer}}
        """

    static let drift = """
        {{>header}}
        {{#problem}}<p class="bad">{{problem}}</p>{{/problem}}
        {{#report}}
        <p>Against baseline <b>{{baseline}}</b> ({{baselineRows}} rows, saved {{baselineSaved}}). Window: {{windowStart}} to {{windowEnd}}. PSI warns at {{warn}}, alerts at {{alert}}.</p>
        <table>
        <thead><tr><th>Feature</th><th>Status</th><th>PSI</th><th>JS</th><th>Baseline</th><th>Window</th><th>Nulls</th><th>Baseline vs window</th></tr></thead>
        <tbody>
        {{#features}}
        <tr class="{{status}}"><td><a href="/ui/stats/{{view}}/{{feature}}">{{view}}:{{feature}}</a></td><td><span class="status {{status}}">{{status}}</span></td><td>{{psi}}</td><td>{{js}}</td><td>{{baselineCount}}</td><td>{{windowCount}}</td><td>{{nulls}}</td><td>{{{bars}}}{{#note}}<span class="note">{{note}}</span>{{/note}}</td></tr>
        {{/features}}
        </tbody>
        </table>
        <p class="note">Bars: grey the baseline's share of each bin, colored the window's. <a href="/drift?service={{service}}">JSON</a></p>
        {{/report}}
        {{>footer}}
        """

    static let jobs = """
        {{>header}}
        <p>Scheduler: {{scheduler}}. Every materialization is recorded in the registry, whoever ran it (the scheduler, <code>POST /materialize</code>, <code>fs materialize</code> from a shell or cron); the last {{kept}} runs of each view are kept.{{#failedCount}} <b class="bad">{{failedCount}} of these runs failed.</b>{{/failedCount}}</p>
        <h2>Recent runs</h2>
        {{>runs}}
        <h2>Watermarks</h2>
        <table>
        <thead><tr><th>Feature view</th><th>Last materialization</th><th>Watermark</th><th>Lag</th><th>Schedule</th></tr></thead>
        <tbody>
        {{{rowsHTML}}}
        </tbody>
        </table>
        {{>footer}}
        """

    /// A table of materialization runs, newest first, failures highlighted.
    static let runs = """
        {{#hasRuns}}
        <table class="runs">
        <thead><tr><th>#</th><th>Started</th><th>Kind</th><th>Views</th><th>Duration</th><th>Rows written</th><th>Outcome</th></tr></thead>
        <tbody>
        {{{runsHTML}}}
        </tbody>
        </table>
        {{/hasRuns}}
        {{^hasRuns}}<p class="note">No run recorded yet.</p>{{/hasRuns}}
        """

    static let signIn = """
        {{>header}}
        {{#message}}<p class="bad">{{message}}</p>{{/message}}
        <p>This server checks tokens (<code>auth:</code> in <code>feature_store.yaml</code>). Paste a token with the <code>read</code> role to browse the UI; it is checked once and kept by the server, and your browser gets a session cookie for the UI's pages only (signing out, or 12 hours, ends it).</p>
        <form class="signin" method="post" action="/ui/sign-in">
        <input type="hidden" name="next" value="{{next}}">
        <label>Token <input type="password" name="token" autocomplete="off" required autofocus></label>
        <button>Sign in</button>
        </form>
        {{>footer}}
        """

    static let error = """
        {{>header}}
        <p class="bad">{{message}}</p>
        <p><a href="/ui">Back to the overview</a></p>
        {{>footer}}
        """

    static let css = """
        :root { --fg: #1d2330; --muted: #667085; --line: #e4e7ec; --bg: #fff; --accent: #2457c5; --bad: #c62828; --warn: #b26a00; --ok: #2e7d32; }
        * { box-sizing: border-box; }
        body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: var(--bg); }
        nav { display: flex; gap: 1.2em; align-items: center; padding: .7em 1.5em; border-bottom: 1px solid var(--line); background: #f8f9fb; flex-wrap: wrap; }
        nav a { color: var(--fg); text-decoration: none; }
        nav a:hover { color: var(--accent); }
        nav .brand { font-weight: 700; font-size: 1.2em; }
        nav .version { margin-left: auto; color: var(--muted); }
        main { padding: 1em 1.5em 3em; max-width: 1200px; }
        h1 { font-size: 1.5em; margin: .3em 0 .6em; }
        h2 { font-size: 1.15em; margin-top: 1.6em; }
        a { color: var(--accent); }
        table { border-collapse: collapse; width: 100%; margin: .5em 0; }
        th, td { text-align: left; padding: .35em .6em; border-bottom: 1px solid var(--line); vertical-align: top; }
        th { color: var(--muted); font-weight: 600; }
        table.facts { width: auto; }
        pre { background: #f4f5f7; padding: .8em; overflow-x: auto; border-radius: 4px; }
        .cards { display: flex; gap: 1em; flex-wrap: wrap; }
        .card { border: 1px solid var(--line); border-radius: 6px; padding: .8em 1.2em; color: var(--fg); text-decoration: none; min-width: 10em; }
        .card b { display: block; font-size: 1.8em; }
        .note, .kind { color: var(--muted); }
        .bad { color: var(--bad); }
        tr.stale td:first-child { border-left: 4px solid var(--bad); }
        .mark { background: var(--bad); color: #fff; border-radius: 3px; padding: 0 .4em; font-size: .85em; }
        .tag { background: #eef2fb; border-radius: 3px; padding: 0 .4em; }
        .status { border-radius: 3px; padding: 0 .5em; color: #fff; background: var(--muted); }
        .status.ok { background: var(--ok); } .status.warn { background: var(--warn); } .status.alert { background: var(--bad); }
        .search input { padding: .35em .5em; width: 24em; max-width: 100%; }
        .svg svg { max-width: 100%; height: auto; }
        svg text { font: 12px system-ui, sans-serif; }
        label { margin-right: .8em; }
        nav form.signout { margin: 0; }
        td.number { text-align: right; white-space: nowrap; }
        tr.failed td:first-child { border-left: 4px solid var(--bad); }
        tr.failed .error { color: var(--bad); white-space: pre-wrap; }
        .legend .swatch { display: inline-block; width: .9em; height: .9em; vertical-align: middle; margin-left: .6em; }
        .swatch.offline { background: rgb(36,87,197); } .swatch.served { background: rgb(230,124,30); }
        .signin input { width: 28em; max-width: 100%; padding: .35em .5em; }

        """

    /// The lookup form's script: builds the request from the form and shows the answer.
    static let lookupJS = """
        document.getElementById("lookup").addEventListener("submit", async (event) => {
          event.preventDefault();
          const form = event.target, entities = {}, out = document.getElementById("answer");
          for (const input of form.querySelectorAll("input")) entities[input.name] = [input.dataset.type === "int64" ? Number(input.value) : input.value];
          const response = await fetch("/get-online-features", {method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify({features: form.dataset.features.split(","), entities})});
          out.textContent = response.status + "\\n" + JSON.stringify(await response.json(), null, 2);
        });

        """

    /// Every template, parsed once.
    static let library: MustacheLibrary = {
        var library = MustacheLibrary()
        let templates = [
            "header": header, "footer": footer, "overview": overview, "list": list, "detail": detail,
            "lineage": lineage, "stats": stats, "driftIndex": driftIndex, "drift": drift, "jobs": jobs,
            "runs": runs, "signIn": signIn, "error": error,
        ]
        for (name, text) in templates {
            // The templates are literals above: a parse error is a bug caught by every UI test.
            do {
                try library.register(text, named: name)
            } catch {
                preconditionFailure("UI template '\(name)' does not parse: \(error)")
            }
        }
        return library
    }()
}
