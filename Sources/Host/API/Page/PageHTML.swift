/// The live page's HTML; `PageController` puts the style and the script in.
enum PageHTML {
    static let text = #"""
    <!doctype html>
    <html lang="en">
    <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>vigil live</title>
    <style>/*@STYLE@*/</style>
    </head>
    <body>
    <header>
      <h1>vigil <span id="conn" class="off">connecting…</span></h1>
      <div id="banner" hidden>Offline: vigil cannot be reached. Reconnecting…</div>
      <form id="tokenForm" hidden>
        <label>API token <input id="tokenInput" type="password" autocomplete="current-password"></label>
        <button>Use</button>
      </form>
    </header>
    <section id="cameras" aria-label="Cameras"></section>
    <section id="panel">
      <div id="filters">
        <label>Camera <select id="fCamera"><option value="">all</option></select></label>
        <label>Type <select id="fType"><option value="">all</option></select></label>
      </div>
      <div id="counts"></div>
      <figure id="chart" aria-label="Events per hour, last 24 hours"></figure>
    </section>
    <ol id="events" aria-label="Events, newest first"></ol>
    <p><button id="older">Load older</button> <span id="olderNote"></span></p>
    <dialog id="detail">
      <form method="dialog"><button id="closeDetail">Close</button></form>
      <img id="detailImg" alt="snapshot">
      <pre id="detailJSON"></pre>
    </dialog>
    <script>/*@SCRIPT@*/</script>
    </body>
    </html>
    """#
}
