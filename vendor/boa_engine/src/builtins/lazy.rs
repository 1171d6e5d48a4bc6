//! Built-ins created on first use.
//!
//! Building a realm used to run every built-in's `init`: some 1 500 function objects, property
//! tables and shapes per context, most of which a script never touches (typed arrays,
//! `Atomics`, `Reflect`, weak references, generators...). A host that creates many contexts
//! (one per virtual user of a load test, one per request of a server) paid for all of them in
//! memory and start-up time.
//!
//! `Intrinsics::uninit` already allocates every constructor and prototype as an empty *shell*
//! before any `init` runs, so that the inits can refer to each other; the global object and the
//! other built-ins hold references to these shells. A lazy built-in keeps its shells empty and
//! gives each of them a placeholder set of internal methods (`LAZY_*` below). The first
//! internal method called on any shell of the built-in (`[[Get]]`, `[[OwnPropertyKeys]]`,
//! `[[Call]]`, `[[GetPrototypeOf]]`...) puts the real internal methods back on all of its shells,
//! runs the built-in's `init`, which fills them in place exactly as an eager realm does, and then
//! forwards the call. Object identities never change, so every reference taken before (a global
//! binding, the `[[Prototype]]` of an instance created from Rust, another built-in's property)
//! stays valid, and the script observes the same objects, properties and property order.
//!
//! Paths that read an object's storage without its internal methods never see an unfilled
//! shell holding wrong data:
//! - the VM's inline caches are filled only from the result of a `[[Get]]`/`[[Set]]` on the
//!   object (which fills it first), and a filled shell keeps its unique shape's identity;
//! - `IsCallable`/`IsConstructor` compare the `[[Call]]`/`[[Construct]]` slots, which the
//!   placeholder methods keep in the same "exists / does not exist" state as the real ones;
//! - `OrdinarySetPrototypeOf`'s cycle check and `Function.prototype.toString` fill a shell before
//!   reading its prototype or its function data (`realize_if_lazy`).
//!
//! The pending built-ins are kept by the [`Context`] that created the realm (with a strong
//! reference to the realm), so a realm created by one context must not be used from another
//! context before the first has filled the built-ins it needs: such a use is a `TypeError`.
//! `Context::realize_builtins` fills everything, for hosts that want the eager behaviour.

use crate::{
    Context, JsNativeError, JsObject, JsResult, JsValue,
    builtins::{BuiltInConstructor, IntrinsicObject},
    context::intrinsics::StandardConstructor,
    object::{
        CONSTRUCTOR, JsPrototype,
        internal_methods::{
            CallValue, InternalMethodCallContext, InternalMethodPropertyContext,
            InternalObjectMethods, ORDINARY_INTERNAL_METHODS,
        },
    },
    property::{PropertyDescriptor, PropertyKey},
    realm::Realm,
};

/// A built-in whose `init` has not run yet, with the shells it fills.
pub(crate) struct LazyBuiltin {
    /// The Rust type of the built-in, for debugging.
    name: &'static str,
    realm: Realm,
    init: fn(&Realm),
    /// Each shell with the internal methods it had before it got the placeholder ones: a
    /// constructor and its prototype, or one object. Inline rather than a `Vec`: one heap
    /// allocation less for each of the ~75 deferred built-ins of every realm.
    shells: [Option<(JsObject, &'static InternalObjectMethods)>; 2],
}

impl std::fmt::Debug for LazyBuiltin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LazyBuiltin")
            .field("name", &self.name)
            .field("shells", &self.shells.len())
            .finish_non_exhaustive()
    }
}

impl LazyBuiltin {
    /// Defers `init` until one of `shells` is used; gives them the placeholder methods.
    fn new(
        name: &'static str,
        realm: &Realm,
        init: fn(&Realm),
        shells: [Option<JsObject>; 2],
    ) -> Self {
        let shells = shells.map(|shell| {
            shell.map(|shell| {
                let original = shell.vtable();
                debug_assert!(!is_lazy(&shell), "a shell belongs to one lazy built-in");
                shell.set_vtable(placeholder_for(original));
                (shell, original)
            })
        });
        Self {
            name,
            realm: realm.clone(),
            init,
            shells,
        }
    }

    /// A constructor and its prototype (`BuiltInBuilder::from_standard_constructor` + `build`).
    pub(crate) fn constructor<T: BuiltInConstructor>(realm: &Realm) -> Self {
        let standard = T::STANDARD_CONSTRUCTOR(realm.intrinsics().constructors());
        Self::new(
            std::any::type_name::<T>(),
            realm,
            T::init,
            [Some(standard.constructor()), Some(standard.prototype())],
        )
    }

    /// A constructor whose prototype belongs to another built-in or that has none
    /// (`build_without_prototype`).
    pub(crate) fn constructor_only<T: BuiltInConstructor>(realm: &Realm) -> Self {
        let standard = T::STANDARD_CONSTRUCTOR(realm.intrinsics().constructors());
        Self::new(
            std::any::type_name::<T>(),
            realm,
            T::init,
            [Some(standard.constructor()), None],
        )
    }

    /// A single intrinsic object (`BuiltInBuilder::with_intrinsic`): a namespace such as
    /// `Reflect`, or a prototype without a constructor such as `%GeneratorPrototype%`.
    pub(crate) fn object<T: IntrinsicObject>(realm: &Realm) -> Self {
        Self::new(
            std::any::type_name::<T>(),
            realm,
            T::init,
            [Some(T::get(realm.intrinsics())), None],
        )
    }

    fn holds(&self, object: &JsObject) -> bool {
        self.shells
            .iter()
            .flatten()
            .any(|(shell, _)| JsObject::equals(shell, object))
    }

    /// Puts the real internal methods back and fills the shells.
    pub(crate) fn realize(self) {
        for (shell, original) in self.shells.iter().flatten() {
            shell.set_vtable(original);
        }
        (self.init)(&self.realm);
    }
}

/// Fills the built-in `object` is a shell of, if it is one.
pub(crate) fn realize_if_lazy(object: &JsObject, context: &mut Context) -> JsResult<()> {
    if is_lazy(object) {
        realize(object, context)
    } else {
        Ok(())
    }
}

/// Whether `SpeciesConstructor(object, standard's constructor)` is that constructor without
/// reading anything: `object` is an ordinary object without an own `constructor` property whose
/// `[[Prototype]]` is `standard`'s prototype, still an unfilled shell. Then `object.constructor`
/// would be the constructor of the same (unfilled, so unmodified) built-in and its
/// `@@species` getter would return it. Valid only for built-ins whose constructor has its own
/// `@@species` getter (`Promise`, `Map`, `ArrayBuffer`...; not the typed arrays, which inherit
/// it from `%TypedArray%`). Lets the host chain `then` on the promises it creates (module
/// loading) without filling `Promise`.
pub(crate) fn species_is_unfilled_default(
    object: &JsObject,
    standard: &StandardConstructor,
) -> bool {
    // (`ORDINARY_INTERNAL_METHODS` is a `const`: compare the methods `[[Get]]` runs, not the
    // table's address.)
    let methods = object.vtable();
    if !std::ptr::fn_addr_eq(methods.__get__, ORDINARY_INTERNAL_METHODS.__get__)
        || !std::ptr::fn_addr_eq(
            methods.__get_own_property__,
            ORDINARY_INTERNAL_METHODS.__get_own_property__,
        )
    {
        return false;
    }
    let Some(prototype) = object.prototype() else {
        return false;
    };
    JsObject::equals(&prototype, &standard.prototype())
        && is_lazy(&prototype)
        && object
            .borrow()
            .properties()
            .get(&CONSTRUCTOR.into())
            .is_none()
}

/// Whether `object` is the unfilled shell of a lazy built-in.
pub(crate) fn is_lazy(object: &JsObject) -> bool {
    let vtable = object.vtable();
    [&LAZY_ORDINARY, &LAZY_FUNCTION, &LAZY_CONSTRUCTOR]
        .into_iter()
        .any(|lazy| std::ptr::eq(vtable, lazy))
}

fn realize(object: &JsObject, context: &mut Context) -> JsResult<()> {
    let Some(index) = context
        .lazy_builtins
        .iter()
        .position(|builtin| builtin.holds(object))
    else {
        return Err(JsNativeError::typ()
            .with_message(
                "a built-in of a realm created by another context was used before that \
                 context created it (call Context::realize_builtins on the creating context)",
            )
            .into());
    };
    // Removed before `init` runs: an `init` that touches its own shells must not re-enter.
    let builtin = context.lazy_builtins.swap_remove(index);
    builtin.realize();
    Ok(())
}

/// The placeholder methods keep the `[[Call]]`/`[[Construct]]` slots in the state
/// `IsCallable`/`IsConstructor` test (the ordinary methods' addresses, or not).
fn placeholder_for(original: &'static InternalObjectMethods) -> &'static InternalObjectMethods {
    let callable = !std::ptr::fn_addr_eq(original.__call__, ORDINARY_INTERNAL_METHODS.__call__);
    let constructor = !std::ptr::fn_addr_eq(
        original.__construct__,
        ORDINARY_INTERNAL_METHODS.__construct__,
    );
    match (callable, constructor) {
        (_, true) => &LAZY_CONSTRUCTOR,
        (true, false) => &LAZY_FUNCTION,
        (false, false) => &LAZY_ORDINARY,
    }
}

static LAZY_ORDINARY: InternalObjectMethods = InternalObjectMethods {
    __get_prototype_of__: get_prototype_of,
    __set_prototype_of__: set_prototype_of,
    __is_extensible__: is_extensible,
    __prevent_extensions__: prevent_extensions,
    __get_own_property__: get_own_property,
    __define_own_property__: define_own_property,
    __has_property__: has_property,
    __try_get__: try_get,
    __get__: get,
    __set__: set,
    __delete__: delete,
    __own_property_keys__: own_property_keys,
    ..ORDINARY_INTERNAL_METHODS
};

static LAZY_FUNCTION: InternalObjectMethods = InternalObjectMethods {
    __call__: call,
    ..LAZY_ORDINARY
};

static LAZY_CONSTRUCTOR: InternalObjectMethods = InternalObjectMethods {
    __call__: call,
    __construct__: construct,
    ..LAZY_ORDINARY
};

// Each placeholder fills the built-in, then calls the real method it now has.

fn get_prototype_of(obj: &JsObject, context: &mut Context) -> JsResult<JsPrototype> {
    realize(obj, context)?;
    (obj.vtable().__get_prototype_of__)(obj, context)
}

fn set_prototype_of(obj: &JsObject, val: JsPrototype, context: &mut Context) -> JsResult<bool> {
    realize(obj, context)?;
    (obj.vtable().__set_prototype_of__)(obj, val, context)
}

fn is_extensible(obj: &JsObject, context: &mut Context) -> JsResult<bool> {
    realize(obj, context)?;
    (obj.vtable().__is_extensible__)(obj, context)
}

fn prevent_extensions(obj: &JsObject, context: &mut Context) -> JsResult<bool> {
    realize(obj, context)?;
    (obj.vtable().__prevent_extensions__)(obj, context)
}

fn get_own_property(
    obj: &JsObject,
    key: &PropertyKey,
    context: &mut InternalMethodPropertyContext<'_>,
) -> JsResult<Option<PropertyDescriptor>> {
    realize(obj, context)?;
    (obj.vtable().__get_own_property__)(obj, key, context)
}

fn define_own_property(
    obj: &JsObject,
    key: &PropertyKey,
    desc: PropertyDescriptor,
    context: &mut InternalMethodPropertyContext<'_>,
) -> JsResult<bool> {
    realize(obj, context)?;
    (obj.vtable().__define_own_property__)(obj, key, desc, context)
}

fn has_property(
    obj: &JsObject,
    key: &PropertyKey,
    context: &mut InternalMethodPropertyContext<'_>,
) -> JsResult<bool> {
    realize(obj, context)?;
    (obj.vtable().__has_property__)(obj, key, context)
}

fn try_get(
    obj: &JsObject,
    key: &PropertyKey,
    receiver: JsValue,
    context: &mut InternalMethodPropertyContext<'_>,
) -> JsResult<Option<JsValue>> {
    realize(obj, context)?;
    (obj.vtable().__try_get__)(obj, key, receiver, context)
}

fn get(
    obj: &JsObject,
    key: &PropertyKey,
    receiver: JsValue,
    context: &mut InternalMethodPropertyContext<'_>,
) -> JsResult<JsValue> {
    realize(obj, context)?;
    (obj.vtable().__get__)(obj, key, receiver, context)
}

fn set(
    obj: &JsObject,
    key: PropertyKey,
    value: JsValue,
    receiver: JsValue,
    context: &mut InternalMethodPropertyContext<'_>,
) -> JsResult<bool> {
    realize(obj, context)?;
    (obj.vtable().__set__)(obj, key, value, receiver, context)
}

fn delete(
    obj: &JsObject,
    key: &PropertyKey,
    context: &mut InternalMethodPropertyContext<'_>,
) -> JsResult<bool> {
    realize(obj, context)?;
    (obj.vtable().__delete__)(obj, key, context)
}

fn own_property_keys(obj: &JsObject, context: &mut Context) -> JsResult<Vec<PropertyKey>> {
    realize(obj, context)?;
    (obj.vtable().__own_property_keys__)(obj, context)
}

fn call(
    obj: &JsObject,
    argument_count: usize,
    context: &mut InternalMethodCallContext<'_>,
) -> JsResult<CallValue> {
    realize(obj, context)?;
    (obj.vtable().__call__)(obj, argument_count, context)
}

fn construct(
    obj: &JsObject,
    argument_count: usize,
    context: &mut InternalMethodCallContext<'_>,
) -> JsResult<CallValue> {
    realize(obj, context)?;
    (obj.vtable().__construct__)(obj, argument_count, context)
}

#[cfg(test)]
mod tests {
    use crate::{
        Context, JsValue, Module, Source,
        builtins::promise::PromiseState,
        js_string,
        object::builtins::{JsMap, JsPromise, JsUint8Array},
        property::Attribute,
    };

    /// Describes every object reachable from `globalThis` through own properties (values,
    /// getters, setters) and prototypes: each object's own keys in order with their
    /// attributes, the kind of each value, and where each object was first reached, so that two
    /// realms built differently can be compared. Touches the objects in a different order from
    /// the realm's `initialize`, so lazy built-ins are filled out of order.
    const DESCRIBE: &str = r#"
        (() => {
            const ids = new Map();
            const queue = [[globalThis, 'globalThis']];
            ids.set(globalThis, 0);
            const out = [];
            const name = (v, path) => {
                if ((typeof v !== 'object' && typeof v !== 'function') || v === null) {
                    return typeof v === 'symbol' ? 'symbol ' + v.description : typeof v + ' ' + String(v);
                }
                if (!ids.has(v)) { ids.set(v, queue.length); queue.push([v, path]); }
                return '@' + ids.get(v);
            };
            for (let i = 0; i < queue.length; i++) {
                const [o, path] = queue[i];
                const parts = [path, typeof o, Object.isExtensible(o), name(Object.getPrototypeOf(o), path + '.__proto__')];
                for (const k of Reflect.ownKeys(o)) {
                    const key = typeof k === 'symbol' ? '[' + k.description + ']' : k;
                    const d = Object.getOwnPropertyDescriptor(o, k);
                    const flags = (d.enumerable ? 'e' : '') + (d.configurable ? 'c' : '') + (d.writable ? 'w' : '');
                    if ('value' in d) {
                        parts.push(key + ':' + flags + '=' + name(d.value, path + '.' + key));
                    } else {
                        parts.push(key + ':' + flags + ' get ' + name(d.get, path + '.get ' + key) +
                            ' set ' + name(d.set, path + '.set ' + key));
                    }
                }
                out.push(parts.join(' | '));
            }
            return out.join('\n');
        })()
    "#;

    fn describe(context: &mut Context) -> std::string::String {
        context
            .eval(Source::from_bytes(DESCRIBE))
            .expect("the walk runs")
            .as_string()
            .expect("a string")
            .to_std_string_escaped()
    }

    #[test]
    fn a_lazy_realm_is_indistinguishable_from_an_eager_one() {
        let eager = &mut Context::default();
        eager.realize_builtins();
        assert_eq!(eager.pending_builtins(), 0);
        let lazy = &mut Context::default();
        assert!(lazy.pending_builtins() > 30, "{}", lazy.pending_builtins());

        let (eager, lazy) = (describe(eager), describe(lazy));
        assert!(eager.lines().count() > 700, "{}", eager.lines().count());
        for (e, l) in eager.lines().zip(lazy.lines()) {
            assert_eq!(e, l);
        }
        assert_eq!(eager.lines().count(), lazy.lines().count());
    }

    #[test]
    fn typeof_does_not_fill_a_built_in() {
        let context = &mut Context::default();
        let pending = context.pending_builtins();
        let value = context
            .eval(Source::from_bytes(
                "typeof Uint8Array + typeof Reflect + typeof Proxy + typeof Map + typeof Atomics",
            ))
            .expect("typeof");
        assert_eq!(
            value,
            js_string!("functionobjectfunctionfunctionobject").into()
        );
        assert_eq!(context.pending_builtins(), pending);

        // One family at a time: Map's constructor and prototype, not Set.
        let value = context
            .eval(Source::from_bytes("new Map([[1, 2]]).get(1)"))
            .expect("Map");
        assert_eq!(value, JsValue::new(2));
        assert_eq!(context.pending_builtins(), pending - 1);
    }

    #[test]
    fn a_built_in_first_reached_through_an_instance_made_by_the_host() {
        let context = &mut Context::default();
        let pending = context.pending_builtins();
        let map = JsMap::new(context);
        map.set(js_string!("k"), 7, context).expect("set");
        // Creating the map fills nothing: its prototype is the waiting shell.
        assert_eq!(context.pending_builtins(), pending);
        // (`JsUint8Array` reads `prototype` from the constructors: that fills them.)
        let array = JsUint8Array::from_iter([1u8, 2], context).expect("Uint8Array");
        context
            .register_global_property(js_string!("u"), array, Attribute::all())
            .expect("global");
        context
            .register_global_property(js_string!("m"), map, Attribute::all())
            .expect("global");
        let value = context
            .eval(Source::from_bytes(
                r#"[
                    u.length === 2, u[1] === 2, u.map(x => x * 2).join() === '2,4',
                    u instanceof Uint8Array, Object.getPrototypeOf(u) === Uint8Array.prototype,
                    u.constructor === Uint8Array,
                    Object.getPrototypeOf(Uint8Array.prototype) === Object.getPrototypeOf(Int8Array.prototype),
                    Object.getPrototypeOf(Uint8Array) === Object.getPrototypeOf(Float64Array),
                    u.buffer instanceof ArrayBuffer,
                    m.get('k') === 7, m instanceof Map, [...m.keys()].join() === 'k',
                    Object.getPrototypeOf(m.entries())[Symbol.toStringTag] === 'Map Iterator',
                    Object.getOwnPropertyNames(Map.prototype).includes('forEach'),
                ].map(String).join()"#,
            ))
            .expect("script");
        assert_eq!(
            value.as_string().expect("string").to_std_string_escaped(),
            ["true"; 14].join(",")
        );
    }

    #[test]
    fn generators_classes_and_symbols_of_lazy_built_ins() {
        let context = &mut Context::default();
        let value = context
            .eval(Source::from_bytes(
                r#"
                function* g() { yield 1; yield 2; }
                async function* ag() { yield 1; }
                class M extends Map { constructor() { super([[1, 1]]); } }
                [
                    [...g()].join() === '1,2',
                    Object.getPrototypeOf(g) === Object.getPrototypeOf(function* () {}),
                    Object.getPrototypeOf(g).constructor.name === 'GeneratorFunction',
                    typeof ag().next === 'function',
                    new M().get(1) === 1 && new M() instanceof Map,
                    Symbol.iterator.toString() === 'Symbol(Symbol.iterator)',
                    Object(Symbol('x')) instanceof Symbol,
                    10n.toString() === '10' && typeof BigInt(3) === 'bigint',
                    /a(b)/.exec('ab')[1] === 'b' && 'aXbX'.split(/X/).length === 3,
                    [...'a1b2'.matchAll(/\d/g)].length === 2,
                    new Date(0).toISOString() === '1970-01-01T00:00:00.000Z',
                    Reflect.ownKeys({ a: 1 }).join() === 'a',
                    new Proxy({}, { get: () => 5 }).x === 5,
                    new WeakMap([[{}, 1]]) instanceof WeakMap && new WeakRef({}) instanceof WeakRef,
                    [1, 2].values().map(x => x + 1).toArray().join() === '2,3',
                    Iterator.from([1]).next().value === 1,
                    Function.prototype.toString.call(DataView) === 'function DataView() { [native code] }',
                ].map(String).join()"#,
            ))
            .expect("script");
        assert_eq!(
            value.as_string().expect("string").to_std_string_escaped(),
            ["true"; 17].join(",")
        );
    }

    #[test]
    fn constructors_keep_their_identity_per_realm() {
        let context = &mut Context::default();
        let other = context.create_realm().expect("realm");
        let main = context.enter_realm(other);
        let other_map = context.eval(Source::from_bytes("Map")).expect("Map");
        let other_u8 = context
            .eval(Source::from_bytes("new Uint8Array(1)"))
            .expect("Uint8Array");
        context.enter_realm(main);
        context
            .register_global_property(js_string!("OtherMap"), other_map, Attribute::all())
            .expect("global");
        context
            .register_global_property(js_string!("otherU8"), other_u8, Attribute::all())
            .expect("global");
        let value = context
            .eval(Source::from_bytes(
                r#"[
                    OtherMap !== Map, !(new OtherMap() instanceof Map),
                    new OtherMap([[1, 2]]).get(1) === 2,
                    Object.getPrototypeOf(new OtherMap()) === OtherMap.prototype,
                    OtherMap.prototype.set !== Map.prototype.set,
                    !(otherU8 instanceof Uint8Array), otherU8.length === 1,
                    Object.getPrototypeOf(otherU8) !== Uint8Array.prototype,
                ].map(String).join()"#,
            ))
            .expect("script");
        assert_eq!(
            value.as_string().expect("string").to_std_string_escaped(),
            ["true"; 8].join(",")
        );
    }

    #[test]
    fn module_evaluation_and_awaits_do_not_fill_promise() {
        let context = &mut Context::default();
        let pending = context.pending_builtins();
        // A module, as a host evaluates its script: settles without filling `Promise`.
        let module = Module::parse(
            Source::from_bytes("export const x = [1, 2].length; export default function () {}"),
            None,
            context,
        )
        .expect("parse");
        let promise = module.load_link_evaluate(context);
        context.run_jobs().expect("jobs");
        assert_eq!(
            promise.state(),
            PromiseState::Fulfilled(JsValue::undefined())
        );
        assert_eq!(context.pending_builtins(), pending);
        // A module that throws rejects with its error; one that does not link rejects too.
        let module = Module::parse(Source::from_bytes("throw 7;"), None, context).expect("parse");
        let promise = module.load_link_evaluate(context);
        context.run_jobs().expect("jobs");
        assert_eq!(promise.state(), PromiseState::Rejected(JsValue::new(7)));
        let module = Module::parse(Source::from_bytes("export { nothing };"), None, context);
        assert!(
            module.is_err(),
            "an export of an undeclared name is an early error"
        );
        // The host chaining `then` on its own promise, and an async function awaiting.
        let (host, resolvers) = JsPromise::new_pending(context);
        let chained = host.then(None, None, context).expect("then");
        resolvers
            .resolve
            .call(&JsValue::undefined(), &[JsValue::new(5)], context)
            .expect("resolve");
        context
            .eval(Source::from_bytes(
                "var awaited; (async () => { awaited = await 41; awaited += await 1; })();",
            ))
            .expect("async");
        context.run_jobs().expect("jobs");
        assert_eq!(chained.state(), PromiseState::Fulfilled(JsValue::new(5)));
        assert_eq!(
            context.eval(Source::from_bytes("awaited")).expect("read"),
            JsValue::new(42)
        );
        assert_eq!(context.pending_builtins(), pending);
        // What a script then sees of those promises is the filled `Promise`.
        context
            .register_global_property(js_string!("hostPromise"), host, Attribute::all())
            .expect("global");
        context
            .register_global_property(js_string!("chained"), chained, Attribute::all())
            .expect("global");
        let value = context
            .eval(Source::from_bytes(
                r#"
                const p = (async () => 1)();
                class P extends Promise {}
                const results = [
                    Object.getPrototypeOf(p) === Promise.prototype, p instanceof Promise,
                    p.constructor === Promise, hostPromise instanceof Promise,
                    Object.getPrototypeOf(chained) === Promise.prototype,
                    P.resolve(1).then() instanceof P, !(Promise.resolve(1).then() instanceof P),
                    ['constructor', 'then', 'catch', 'finally'].every(k => Object.hasOwn(Promise.prototype, k)),
                ];
                // Once filled, a replaced @@species is read again.
                Object.defineProperty(Promise, Symbol.species, { value: P });
                results.push(Promise.resolve(1).then() instanceof P);
                results.map(String).join()
                "#,
            ))
            .expect("script");
        assert_eq!(
            value.as_string().expect("string").to_std_string_escaped(),
            ["true"; 9].join(",")
        );
    }

    #[test]
    fn a_waiting_promise_prototype_is_filled_by_a_script_that_changes_it() {
        let context = &mut Context::default();
        // The shortcut applies only while `Promise` waits; a script reaching it fills it, and
        // a `constructor` it sets on a promise is read.
        let value = context
            .eval(Source::from_bytes(
                r#"
                class Q extends Promise {}
                const p = (async () => 1)();
                p.constructor = Q;
                const q = p.then();
                String(q instanceof Q)
                "#,
            ))
            .expect("script");
        assert_eq!(value, js_string!("true").into());
    }

    #[test]
    fn the_prototype_cycle_check_looks_through_a_waiting_built_in() {
        let context = &mut Context::default();
        // `%MapIteratorPrototype%` is reached through an instance without being filled; once
        // filled, its [[Prototype]] is `%Iterator.prototype%`: making that inherit from it
        // would be a cycle.
        let value = context
            .eval(Source::from_bytes(
                r#"
                const mapIteratorPrototype = Object.getPrototypeOf(new Map().entries());
                const iteratorPrototype = Object.getPrototypeOf(Object.getPrototypeOf([].values()));
                Reflect.setPrototypeOf(iteratorPrototype, mapIteratorPrototype)
                "#,
            ))
            .expect("script");
        assert_eq!(value, JsValue::new(false));
    }
}
