// Renders the API reference from /api/v1/openapi.json: no framework, no inline code,
// text only through textContent (the document never becomes markup).
(function () {
  "use strict";

  function el(tag, text, className) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = text;
    if (className) node.className = className;
    return node;
  }

  // `code` spans of the descriptions become <code>; everything else stays text.
  function richText(tag, text) {
    var node = el(tag);
    String(text || "").split("`").forEach(function (part, index) {
      node.appendChild(index % 2 ? el("code", part) : document.createTextNode(part));
    });
    return node;
  }

  function refName(schema) {
    return schema && schema.$ref ? schema.$ref.split("/").pop() : null;
  }

  function typeOf(schema) {
    if (!schema) return "";
    var ref = refName(schema);
    if (ref) return ref;
    if (schema.anyOf) return schema.anyOf.map(typeOf).join(" | ");
    if (schema.type === "array") return typeOf(schema.items) + "[]";
    if (schema.enum) return schema.enum.join(" | ");
    var type = schema.type || "object";
    return schema.format ? type + " (" + schema.format + ")" : type;
  }

  function fieldsTable(schema, caption) {
    var table = el("table");
    table.appendChild(el("caption", caption, "visually-hidden"));
    var head = el("tr");
    ["Field", "Type", "Required", "About"].forEach(function (name) {
      var th = el("th", name);
      th.scope = "col";
      head.appendChild(th);
    });
    table.appendChild(el("thead")).appendChild(head);
    var body = table.appendChild(el("tbody"));
    var required = schema.required || [];
    Object.keys(schema.properties || {}).forEach(function (name) {
      var field = schema.properties[name];
      var row = el("tr");
      row.appendChild(el("td")).appendChild(el("code", name));
      row.appendChild(el("td", typeOf(field)));
      row.appendChild(el("td", required.indexOf(name) >= 0 ? "yes" : "no"));
      row.appendChild(el("td", field.description || ""));
      body.appendChild(row);
    });
    return table;
  }

  function operationSection(path, method, operation) {
    var section = el("section", null, "operation");
    section.id = operation.operationId || method + path;
    var title = el("h4");
    title.appendChild(el("span", method.toUpperCase(), "method"));
    title.appendChild(document.createTextNode(" " + path));
    section.appendChild(title);
    section.appendChild(richText("p", operation.summary));
    var params = (operation.parameters || []).filter(function (p) { return p.in === "query"; });
    if (params.length) {
      section.appendChild(el("p", "Query: " + params.map(function (p) {
        return p.name + " (" + typeOf(p.schema) + ")";
      }).join(", ")));
    }
    var body = operation.requestBody && operation.requestBody.content["application/json"];
    if (body) section.appendChild(el("p", "Body: " + typeOf(body.schema)));
    var answers = Object.keys(operation.responses || {}).map(function (status) {
      var content = operation.responses[status].content || {};
      var media = Object.keys(content)[0];
      return status + (media ? " " + typeOf(content[media].schema) : "");
    });
    section.appendChild(el("p", "Answers: " + answers.join(", "), "muted"));
    var scope = (operation.tags || [])[0];
    if (scope) section.dataset.tag = scope;
    return section;
  }

  function render(doc, root) {
    root.textContent = "";
    (doc.info.description || "").split("\n\n").forEach(function (paragraph) {
      if (paragraph.trim().indexOf("- ") === 0) {
        var list = root.appendChild(el("ul"));
        paragraph.split(/\n- /).forEach(function (item) {
          list.appendChild(richText("li", item.replace(/^- /, "").replace(/\s+/g, " ")));
        });
      } else {
        root.appendChild(richText("p", paragraph.replace(/\s+/g, " ")));
      }
    });
    var byTag = {};
    Object.keys(doc.paths).forEach(function (path) {
      Object.keys(doc.paths[path]).forEach(function (method) {
        var operation = doc.paths[path][method];
        var tag = (operation.tags || ["other"])[0];
        (byTag[tag] = byTag[tag] || []).push(operationSection(path, method, operation));
      });
    });
    root.appendChild(el("h2", "Endpoints"));
    Object.keys(byTag).sort().forEach(function (tag) {
      var heading = el("h3", tag);
      heading.id = "tag-" + tag;
      root.appendChild(heading);
      byTag[tag].forEach(function (section) { root.appendChild(section); });
    });
    root.appendChild(el("h2", "Schemas"));
    var schemas = (doc.components || {}).schemas || {};
    Object.keys(schemas).sort().forEach(function (name) {
      var schema = schemas[name];
      var heading = el("h3", name);
      heading.id = "schema-" + name;
      root.appendChild(heading);
      if (schema.description) root.appendChild(richText("p", schema.description));
      if (schema.properties) root.appendChild(fieldsTable(schema, "Fields of " + name));
      else if (schema.enum) root.appendChild(el("p", "One of: " + schema.enum.join(", ")));
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var root = document.getElementById("reference");
    var link = document.querySelector("[data-openapi]");
    fetch(link.getAttribute("href"), { headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      })
      .then(function (doc) { render(doc, root); })
      .catch(function (error) {
        root.textContent = "";
        root.appendChild(el("p", "The document could not be loaded (" + error.message + ")."));
      });
  });
})();
