//! Fixed documents: the index, `/html`, `/xml`, `/json`.

use hyper::header::HeaderValue;
use hyper::{Response, StatusCode};

use super::response::{self, APPLICATION_JSON, ResponseBody, TEXT_HTML};

pub(crate) fn index() -> Response<ResponseBody> {
    response::with_body(StatusCode::OK, TEXT_HTML, INDEX_HTML)
}

pub(crate) fn html() -> Response<ResponseBody> {
    response::with_body(StatusCode::OK, TEXT_HTML, SAMPLE_HTML)
}

/// httpbin's `/forms/post`: the HTML5 spec's pizza order form, posting to `/post`.
pub(crate) fn form_post() -> Response<ResponseBody> {
    response::with_body(StatusCode::OK, TEXT_HTML, FORM_POST_HTML)
}

/// httpbin's `/links/{n}/{offset}`: n links to the other pages of the set, `offset` unlinked.
pub(crate) fn links(n: &str, offset: &str) -> Response<ResponseBody> {
    let (Ok(n), Ok(offset)) = (n.parse::<usize>(), offset.parse::<usize>()) else {
        return response::with_body(StatusCode::BAD_REQUEST, TEXT_HTML, "invalid n or offset\n");
    };
    let n = n.clamp(1, 200);
    let mut html = String::from("<html><head><title>Links</title></head><body>");
    for i in 0..n {
        if i == offset {
            html.push_str(&format!("{i} "));
        } else {
            html.push_str(&format!("<a href='/links/{n}/{i}'>{i}</a> "));
        }
    }
    html.push_str("</body></html>");
    response::with_body(StatusCode::OK, TEXT_HTML, html)
}

pub(crate) fn xml() -> Response<ResponseBody> {
    response::with_body(
        StatusCode::OK,
        HeaderValue::from_static("application/xml"),
        SAMPLE_XML,
    )
}

pub(crate) fn json() -> Response<ResponseBody> {
    response::with_body(StatusCode::OK, APPLICATION_JSON, SAMPLE_JSON)
}

const INDEX_HTML: &str = r#"<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>rk6 target</title></head>
<body>
<h1>rk6 target</h1>
<p>An httpbin-style HTTP request and response service for load tests.</p>
<h2>Request inspection</h2>
<ul>
<li><a href="/get">/get</a> GET echo: args, headers, origin, url</li>
<li>/post, /put, /patch, /delete: echo with data, files, form, json</li>
<li><a href="/anything">/anything[/...]</a> any method: echo with method</li>
<li><a href="/headers">/headers</a>, <a href="/ip">/ip</a>, <a href="/user-agent">/user-agent</a></li>
</ul>
<h2>Status codes and timing</h2>
<ul>
<li><a href="/status/418">/status/{codes}</a> a status; <code>200:0.9,500:0.1</code> picks by weight</li>
<li><a href="/delay/1">/delay/{seconds}</a> echo after a delay (at most 10 s)</li>
<li><a href="/drip?duration=2&amp;numbytes=10&amp;delay=0">/drip?duration=&amp;numbytes=&amp;delay=&amp;code=</a> a slow body</li>
</ul>
<h2>Response formats</h2>
<ul>
<li><a href="/json">/json</a>, <a href="/html">/html</a>, <a href="/xml">/xml</a></li>
<li><a href="/forms/post">/forms/post</a> an HTML form, <a href="/links/10/0">/links/{n}/{offset}</a> linked pages</li>
<li><a href="/gzip">/gzip</a>, <a href="/deflate">/deflate</a>, <a href="/brotli">/brotli</a>, <a href="/zstd">/zstd</a> compressed echo</li>
<li><a href="/response-headers?freeform=value">/response-headers?name=value</a> sets response headers</li>
</ul>
<h2>Generated data</h2>
<ul>
<li><a href="/uuid">/uuid</a>, <a href="/base64/SGVsbG8sIHJrNiE=">/base64/{value}</a></li>
<li><a href="/bytes/1024">/bytes/{n}</a>, <a href="/stream-bytes/1024">/stream-bytes/{n}</a> random bytes (at most 10 MiB; <code>?seed=</code>)</li>
<li><a href="/range/1024">/range/{n}</a> honours Range requests</li>
</ul>
<h2>Cookies</h2>
<ul>
<li><a href="/cookies">/cookies</a>, <a href="/cookies/set?name=value">/cookies/set?name=value</a>, /cookies/set/{name}/{value}, <a href="/cookies/delete?name">/cookies/delete?name</a></li>
</ul>
<h2>Redirects</h2>
<ul>
<li><a href="/redirect/3">/redirect/{n}</a>, <a href="/relative-redirect/3">/relative-redirect/{n}</a>, <a href="/absolute-redirect/3">/absolute-redirect/{n}</a></li>
<li><a href="/redirect-to?url=/get&amp;status_code=307">/redirect-to?url=&amp;status_code=</a></li>
</ul>
<h2>Authentication</h2>
<ul>
<li><a href="/basic-auth/user/passwd">/basic-auth/{user}/{passwd}</a>, <a href="/hidden-basic-auth/user/passwd">/hidden-basic-auth/{user}/{passwd}</a></li>
<li><a href="/bearer">/bearer</a></li>
<li><a href="/digest-auth/auth/user/passwd">/digest-auth/{qop}/{user}/{passwd}[/{algorithm}]</a> MD5, SHA-256, SHA-512</li>
</ul>
<h2>Faults</h2>
<ul>
<li>/reset closes the connection with a TCP reset and no response</li>
<li><a href="/close">/close</a> responds with <code>Connection: close</code></li>
<li>/keepalive-close responds keeping the connection open, then closes it (FIN, no response) when the next request comes on it</li>
<li>/hang never answers</li>
</ul>
<h2>Limits</h2>
<ul>
<li><a href="/many-headers/200">/many-headers/{n}</a> n extra header lines</li>
<li><a href="/big-headers/512">/big-headers/{kib}</a> a header block of about kib KiB</li>
<li>/big-body/{bytes} that many zero bytes, streamed with a Content-Length (at most 4 GiB)</li>
</ul>
</body>
</html>
"#;

/// A page with a bit of everything that CSS-selector and form tests need.
const SAMPLE_HTML: &str = r#"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="description" content="Sample page for rk6 parsing tests">
<title>rk6 sample page</title>
<link rel="stylesheet" href="/static/style.css">
</head>
<body>
<header id="top" class="banner">
<h1 class="title main-title" data-level="1">Herman Melville - Moby-Dick</h1>
<nav>
<ul id="nav" class="menu">
<li class="item active" data-id="1"><a href="/get" class="link">Get</a></li>
<li class="item" data-id="2"><a href="/anything/page?x=1" class="link external" rel="nofollow">Anything</a></li>
<li class="item" data-id="3"><a href="https://example.com/" class="link" target="_blank">Example</a></li>
</ul>
</nav>
</header>
<main id="content">
<article class="chapter" id="chapter-1" data-chapter="1" data-title="Loomings">
<h2>Loomings</h2>
<p class="text first">Call me Ishmael. Some years ago - never mind how long precisely - having little or no money in my purse, and nothing particular to interest me on shore, I thought I would sail about a little and see the watery part of the world.</p>
<p class="text">It is a way I have of driving off the spleen, and regulating the circulation.</p>
</article>
<table id="crew" class="data-table">
<thead><tr><th>Name</th><th>Role</th></tr></thead>
<tbody>
<tr data-row="1"><td class="name">Ahab</td><td class="role">Captain</td></tr>
<tr data-row="2"><td class="name">Starbuck</td><td class="role">First mate</td></tr>
<tr data-row="3"><td class="name">Queequeg</td><td class="role">Harpooneer</td></tr>
</tbody>
</table>
<form id="login" class="form" action="/post" method="post">
<input type="hidden" name="csrf_token" value="a1b2c3d4e5">
<label for="username">Username</label>
<input type="text" id="username" name="username" value="ishmael" placeholder="Username">
<label for="password">Password</label>
<input type="password" id="password" name="password">
<input type="checkbox" id="remember" name="remember" value="yes" checked>
<select id="ship" name="ship">
<option value="pequod" selected>Pequod</option>
<option value="rachel">Rachel</option>
</select>
<textarea id="notes" name="notes">Thar she blows</textarea>
<button type="submit" class="btn btn-primary" data-action="login">Log in</button>
</form>
<img src="/image/whale.png" alt="A whale" id="whale" width="100" height="50">
</main>
<footer class="footer"><p id="copyright" data-year="1851">Public domain</p></footer>
</body>
</html>
"#;

/// httpbin's sample XML document.
const SAMPLE_XML: &str = r#"<?xml version='1.0' encoding='us-ascii'?>

<!--  A SAMPLE set of slides  -->

<slideshow 
    title="Sample Slide Show"
    date="Date of publication"
    author="Yours Truly"
    >

    <!-- TITLE SLIDE -->
    <slide type="all">
      <title>Wake up to WonderWidgets!</title>
    </slide>

    <!-- OVERVIEW -->
    <slide type="all">
        <title>Overview</title>
        <item>Why <em>WonderWidgets</em> are great</item>
        <item/>
        <item>Who <em>buys</em> WonderWidgets</item>
    </slide>

</slideshow>
"#;

/// httpbin's sample JSON document.
const SAMPLE_JSON: &str = r#"{
  "slideshow": {
    "author": "Yours Truly",
    "date": "date of publication",
    "slides": [
      {
        "title": "Wake up to WonderWidgets!",
        "type": "all"
      },
      {
        "items": [
          "Why <em>WonderWidgets</em> are great",
          "Who <em>buys</em> WonderWidgets"
        ],
        "title": "Overview",
        "type": "all"
      }
    ],
    "title": "Sample Slide Show"
  }
}
"#;

const FORM_POST_HTML: &str = r#"<!DOCTYPE html>
<html>
  <head>
  </head>
  <body>
  <form method="post" action="/post">
   <p><label>Customer name: <input name="custname"></label></p>
   <p><label>Telephone: <input type=tel name="custtel"></label></p>
   <p><label>E-mail address: <input type=email name="custemail"></label></p>
   <fieldset>
    <legend> Pizza Size </legend>
    <p><label> <input type=radio name=size value="small"> Small </label></p>
    <p><label> <input type=radio name=size value="medium"> Medium </label></p>
    <p><label> <input type=radio name=size value="large"> Large </label></p>
   </fieldset>
   <fieldset>
    <legend> Pizza Toppings </legend>
    <p><label> <input type=checkbox name="topping" value="bacon"> Bacon </label></p>
    <p><label> <input type=checkbox name="topping" value="cheese"> Extra Cheese </label></p>
    <p><label> <input type=checkbox name="topping" value="onion"> Onion </label></p>
    <p><label> <input type=checkbox name="topping" value="mushroom"> Mushroom </label></p>
   </fieldset>
   <p><label>Preferred delivery time: <input type=time min="11:00" max="21:00" step="900" name="delivery"></label></p>
   <p><label>Delivery instructions: <textarea name="comments"></textarea></label></p>
   <p><button>Submit order</button></p>
  </form>
  </body>
</html>
"#;
