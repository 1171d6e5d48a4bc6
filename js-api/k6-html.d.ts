// `k6/html`: parseHTML and the Selection/Element API. Differences from @types/k6: `NodeType`
// (an enum there) is not exported, `nodeType()` returns a number; Selection also has `add`,
// `end`, `index`, `siblings`, `url`; Element has `selection()` and every element-specific
// accessor (`href()`, `value()`, `checked()`, ...) on one type instead of per-tag subclasses
// (rk6 installs them on every element).
declare module 'k6/html' {
  /** Parses an HTML document. */
  export function parseHTML(html: string): Selection;

  export interface FormValue {
    name: string;
    value: string;
  }
  /** `filter()`/`is()`/`not()` predicate: gets the index and the element as a Selection. */
  export interface Tester {
    (index: number, element: Selection): boolean;
  }
  /** `each()` callback: gets the index and the Element. */
  export interface Handler {
    (index: number, element: Element): void;
  }
  /** `map()` callback: gets the index and the element as a Selection. */
  export interface Mapper {
    (index: number, selection: Selection): unknown;
  }

  /**
   * A set of nodes of one document (jQuery/goquery-like); methods never mutate it. A type only:
   * `k6/html` exports no `Selection` value (in k6 neither).
   */
  export interface Selection {
    /** The URL of the response the document came from (`""` for parseHTML). */
    readonly url: string;
    add(selector: string | Selection): Selection;
    attr(name: string, defaultValue?: string): string | undefined;
    children(selector?: string): Selection;
    closest(selector: string | Selection): Selection;
    contents(): Selection;
    data(key?: string): any;
    each(handler: Handler): void;
    /** The Selection this one was derived from (empty at the root). */
    end(): Selection;
    eq(index: number): Selection;
    filter(selector: string | Tester | Selection): Selection;
    find(selector: string | Selection): Selection;
    first(): Selection;
    get(index: number): Element;
    get(): Element[];
    has(selector: string | Selection): Selection;
    html(): string | undefined;
    /** Position of the first node among its siblings, or of `selector`'s first node in this set; -1 when absent. */
    index(selector?: string | Selection): number;
    is(selector: string | Tester | Selection): boolean;
    last(): Selection;
    map(mapper: Mapper): unknown[];
    next(selector?: string): Selection;
    nextAll(selector?: string): Selection;
    nextUntil(selector?: string | Selection, filter?: string): Selection;
    not(selector: string | Tester | Selection): Selection;
    parent(selector?: string): Selection;
    parents(selector?: string): Selection;
    parentsUntil(selector?: string | Selection, filter?: string): Selection;
    prev(selector?: string): Selection;
    prevAll(selector?: string): Selection;
    prevUntil(selector?: string | Selection, filter?: string): Selection;
    serialize(): string;
    serializeArray(): FormValue[];
    serializeObject(): { [name: string]: string | string[] };
    siblings(selector?: string): Selection;
    size(): number;
    slice(start: number, end?: number): Selection;
    text(): string;
    toArray(): Selection[];
    val(): string | string[] | undefined;
  }

  /** An attribute of an Element (`getAttributeNode()`, `attributes()`). */
  export interface Attribute {
    name: string;
    value: string;
    owner_element: Element;
    localName(): string;
    namespaceURI(): string;
    prefix(): string;
  }

  /** A DOM-like node; accessors are methods, as in k6 (`el.nodeName()`). A type only. */
  export interface Element {
    attributes(): { [name: string]: Attribute };
    childElementCount(): number;
    childNodes(): Element[];
    children(): Element[];
    classList(): string[];
    className(): string | undefined;
    contains(element: Element): boolean;
    firstChild(): Element | undefined;
    firstElementChild(): Element | undefined;
    getAttribute(name: string): string | undefined;
    getAttributeNode(name: string): Attribute | undefined;
    getElementsByClassName(name: string): Element[];
    getElementsByTagName(name: string): Element[];
    hasAttribute(name: string): boolean;
    hasAttributes(): boolean;
    hasChildNodes(): boolean;
    id(): string;
    innerHTML(): string | undefined;
    isDefaultNamespace(): boolean;
    isEqualNode(node: Element): boolean;
    isSameNode(node: Element): boolean;
    lang(): string | undefined;
    lastChild(): Element | undefined;
    lastElementChild(): Element | undefined;
    matches(selector: string): boolean;
    namespaceURI(): string;
    nextElementSibling(): Element | undefined;
    nextSibling(): Element | undefined;
    nodeName(): string;
    /** 1 element, 3 text, 8 comment, 9 document, 10 doctype. */
    nodeType(): number | undefined;
    nodeValue(): string | undefined;
    ownerDocument(): Element | undefined;
    parentElement(): Element | undefined;
    parentNode(): Element | undefined;
    previousElementSibling(): Element | undefined;
    previousSibling(): Element | undefined;
    querySelector(selector: string): Element | undefined;
    querySelectorAll(selector: string): Element[];
    /** This element as a Selection. */
    selection(): Selection;
    textContent(): string;
    toString(): string;

    // Element-specific accessors (k6: AnchorElement, InputElement, FormElement, ...).
    href(): string | undefined;
    src(): string | undefined;
    action(): string | undefined;
    alt(): string | undefined;
    rel(): string | undefined;
    target(): string | undefined;
    name(): string | undefined;
    type(): string | undefined;
    method(): string | undefined;
    content(): string | undefined;
    placeholder(): string | undefined;
    htmlFor(): string | undefined;
    text(): string | undefined;
    value(): string | undefined;
    checked(): boolean | undefined;
    selected(): boolean | undefined;
    disabled(): boolean | undefined;
    multiple(): boolean | undefined;
    width(): number | undefined;
    height(): number | undefined;
    options(): Element[] | undefined;
    elements(): Element[] | undefined;
    selectedIndex(): number | undefined;
    rows(): Element[] | undefined;
    cellIndex(): number | undefined;
  }
}
