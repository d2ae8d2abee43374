/// The live page's CSS: readable on a phone (one column under 700 px), dark and light. A new row
/// moves every row below it, so each row is its own compositing layer (`will-change`: moved by the
/// compositor, not painted again) and rows off screen are skipped by layout and paint (`content-visibility`).
enum PageStyle {
    static let text = #"""
    :root{color-scheme:light dark;--bg:#fff;--fg:#111;--muted:#666;--line:#ddd;--accent:#0a66c2;--bad:#b00020;--ok:#137333}
    @media (prefers-color-scheme:dark){:root{--bg:#111;--fg:#eee;--muted:#aaa;--line:#333;--accent:#6ab0ff;--bad:#ff6b81;--ok:#5fd38d}}
    *{box-sizing:border-box}
    body{margin:0;font:15px/1.4 system-ui,sans-serif;background:var(--bg);color:var(--fg)}
    header{padding:.5rem 1rem;border-bottom:1px solid var(--line)}
    h1{font-size:1.2rem;margin:0}
    #conn{font-size:.8rem;padding:.1rem .4rem;border-radius:.3rem;background:var(--ok);color:#fff}
    #conn.off{background:var(--bad)}
    #banner{margin-top:.4rem;padding:.4rem .6rem;background:var(--bad);color:#fff;border-radius:.3rem}
    #cameras{display:flex;flex-wrap:wrap;gap:.5rem;padding:.5rem 1rem}
    .cam{border:1px solid var(--line);border-radius:.4rem;padding:.3rem .6rem;font-size:.85rem}
    .cam b{display:block}
    .cam .state-running{color:var(--ok)} .cam .bad{color:var(--bad)}
    #panel{display:grid;grid-template-columns:1fr 1fr 2fr;gap:1rem;padding:.5rem 1rem;align-items:start}
    #filters label{display:block;margin-bottom:.3rem}
    select{font:inherit;max-width:12rem}
    #counts table{border-collapse:collapse;font-size:.85rem}
    #counts td{padding:0 .5rem 0 0}
    #counts td.n{text-align:right}
    #chart{margin:0;display:flex;align-items:flex-end;gap:2px;height:90px;border-bottom:1px solid var(--line)}
    #chart div{flex:1;background:var(--accent);min-height:1px}
    #events{list-style:none;margin:0;padding:0 1rem}
    .row{display:grid;grid-template-columns:7rem 8rem 6rem 1fr 4rem;gap:.5rem;align-items:center;padding:.3rem 0;border-bottom:1px solid var(--line);cursor:pointer;
      content-visibility:auto;contain-intrinsic-size:auto 3.3rem;will-change:transform}
    .row:hover{background:rgba(127,127,127,.12)}
    .row .t,.row .c{color:var(--muted);font-size:.85rem;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
    .row .ty{font-weight:600}
    .row img{width:4rem;height:2.6rem;object-fit:cover;border-radius:.2rem;background:var(--line)}
    dialog{max-width:min(95vw,60rem);border:1px solid var(--line);background:var(--bg);color:var(--fg)}
    #detailImg{max-width:100%;display:block}
    #detailImg:not([src]){display:none}
    pre{white-space:pre-wrap;word-break:break-all;font-size:.8rem}
    button{font:inherit}
    @media (max-width:700px){
      #panel{grid-template-columns:1fr}
      .row{grid-template-columns:1fr 1fr 4rem;grid-template-areas:"t c i" "s s i"}
      .row .t{grid-area:t} .row .c{grid-area:c} .row .s{grid-area:s} .row .ty{display:none} .row img{grid-area:i}
    }
    """#
}
