"""Objective-C through `contextpack index`: .m files, and .h files that declare Objective-C (the header
classifier), with grammars/objc.scm; Foundation's enum and annotation macros; `#import "x.h"` edges."""

from __future__ import annotations

from pathlib import Path

from indexed import cli_index, edges_from, write_files
from lang_cli import pack_paths, symbols

from contextpack.languages import header_language

FILES = {
    "Shop/SHPCart.h": """#import <Foundation/Foundation.h>
#import "SHPItem.h"

NS_ASSUME_NONNULL_BEGIN

typedef NS_ENUM(NSInteger, SHPCartState) {
    SHPCartStateOpen,
    SHPCartStateClosed,
};

typedef void (^SHPCompletion)(BOOL finished);

/// Items being bought.
NS_SWIFT_NAME(Cart)
@interface SHPCart : NSObject <NSCopying>
@property (nonatomic, copy) NSArray<SHPItem *> *items;
- (instancetype)init NS_DESIGNATED_INITIALIZER;
- (void)addItem:(SHPItem *)item quantity:(NSInteger)quantity;
+ (instancetype)sharedCart API_AVAILABLE(ios(13.0));
@end

@protocol SHPCartObserver <NSObject>
- (void)cartDidChange:(SHPCart *)cart;
@end

NS_ASSUME_NONNULL_END
""",
    "Shop/SHPCart.m": """#import "SHPCart.h"
#import "Private/SHPLog.h"

static NSInteger const SHPMaxItems = 50;

@interface SHPCart ()
@property (nonatomic, assign) SHPCartState state;
@end

@implementation SHPCart

- (instancetype)init {
    self = [super init];
    return self;
}

- (void)addItem:(SHPItem *)item quantity:(NSInteger)quantity {
    SHPLog(@"add");
    self.items = [self.items arrayByAddingObject:item];
}

+ (instancetype)sharedCart {
    return [[self alloc] init];
}

@end

NSInteger SHPTotal(SHPCart *cart) {
    return cart.items.count;
}
""",
    "Shop/SHPItem.h": (
        "#import <Foundation/Foundation.h>\n"
        "\n"
        "@interface SHPItem : NSObject\n"
        "@property NSInteger price;\n"
        "@end\n"),
    "Shop/Private/SHPLog.h": "#define SHPLog(msg) NSLog(msg)\nvoid SHPLogFlush(void);\n",
    "Shop/plain.h": "struct point { int x; int y; };\nint area(struct point p);\n",
}


def test_header_classifier() -> None:
    assert header_language(FILES["Shop/SHPCart.h"].encode()) == "objc"
    assert header_language(b'#import "x.h"\nvoid f(void);\n') == "objc"  # #import alone says Objective-C
    assert header_language(FILES["Shop/plain.h"].encode()) == "c"
    assert header_language(b"// @interface in a comment\n/* #import */\nint f(void);\n") == "c"
    assert header_language(b'const char *s = "@interface";\nint f(void);\n') == "c"
    assert header_language(b"namespace a { class B {}; }\n") == "cpp"


def test_definitions_and_imports(tmp_path: Path) -> None:
    repo = write_files(tmp_path / "repo", FILES)
    store = cli_index(repo, tmp_path / "index.sqlite")
    assert [(d.name, d.kind, d.qualname, d.start_line, d.end_line) for d in store.definitions("Shop/SHPCart.h")] == [
        ("SHPCartState", "enum", "Shop.SHPCart.SHPCartState", 6, 9),
        ("SHPCartStateOpen", "constant", "Shop.SHPCart.SHPCartState.SHPCartStateOpen", 7, 7),
        ("SHPCartStateClosed", "constant", "Shop.SHPCart.SHPCartState.SHPCartStateClosed", 8, 8),
        ("SHPCompletion", "type", "Shop.SHPCart.SHPCompletion", 11, 11),
        ("SHPCart", "class", "Shop.SHPCart.SHPCart", 15, 20),
        ("items", "variable", "Shop.SHPCart.SHPCart.items", 16, 16),
        ("init", "method", "Shop.SHPCart.SHPCart.init", 17, 17),
        ("addItem", "method", "Shop.SHPCart.SHPCart.addItem", 18, 18),
        ("sharedCart", "method", "Shop.SHPCart.SHPCart.sharedCart", 19, 19),
        ("SHPCartObserver", "interface", "Shop.SHPCart.SHPCartObserver", 22, 24),
        ("cartDidChange", "method", "Shop.SHPCart.SHPCartObserver.cartDidChange", 23, 23),
    ]
    assert [(d.name, d.kind, d.start_line, d.end_line) for d in store.definitions("Shop/SHPCart.m")] == [
        ("SHPMaxItems", "variable", 4, 4),
        ("SHPCart", "class", 6, 8),
        ("state", "variable", 7, 7),
        ("SHPCart", "class", 10, 26),
        ("init", "method", 12, 15),
        ("addItem", "method", 17, 20),
        ("sharedCart", "method", 22, 24),
        ("SHPTotal", "function", 28, 30),
    ]
    add = next(d for d in store.definitions("Shop/SHPCart.m") if d.name == "addItem")
    assert add.signature == "- (void)addItem:(SHPItem *)item quantity:(NSInteger)quantity"
    assert [(d.name, d.kind) for d in store.definitions("Shop/plain.h")] == [
        ("point", "struct"), ("area", "function")]  # still C: the C grammar and query
    assert edges_from(store, "Shop/SHPCart.m") == ["Shop/Private/SHPLog.h", "Shop/SHPCart.h"]
    assert edges_from(store, "Shop/SHPCart.h") == ["Shop/SHPItem.h"]  # <Foundation/…> is a system header


def test_symbols_and_pack(tmp_path: Path) -> None:
    repo = write_files(tmp_path / "repo", FILES)
    index = tmp_path / "index.sqlite"
    cli_index(repo, index).close()
    assert ("Shop/SHPCart.m:17", "method", "Shop.SHPCart.SHPCart.addItem") in symbols(repo, index, "addItem")
    paths = pack_paths(repo, index, "SHPCart addItem:quantity: ignores the quantity")
    assert set(paths[:2]) == {"Shop/SHPCart.h", "Shop/SHPCart.m"}  # the declaration and the implementation
