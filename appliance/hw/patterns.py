"""What each signal looks like: one draw function per pattern, pure of (canvas, time).

Colours are drawn at full scale; brightness and the supply cap are the driver's business.
Every draw returns the mesh time of its next flash edge (or None when steady), so the frame
loop can render the edge on time.
"""

from __future__ import annotations

from . import font
from .flash import lit, next_edge
from .frame import RGB, Canvas

BLACK: RGB = (0, 0, 0)
GREEN: RGB = (0, 255, 0)
YELLOW: RGB = (255, 170, 0)
RED: RGB = (255, 0, 0)
WHITE: RGB = (255, 255, 255)
BLUE: RGB = (0, 0, 255)
MAGENTA: RGB = (255, 0, 255)
ORANGE: RGB = (255, 70, 0)
DIM_BLUE: RGB = (0, 0, 60)

# Lamp group names for relay gantries built from coloured lamps (see drivers.relay).
COLOR_LAMPS = {GREEN: "green", YELLOW: "yellow", RED: "red", WHITE: "white", BLUE: "blue",
               MAGENTA: "magenta", ORANGE: "orange"}
START_LIGHTS = 5


def _flash(canvas: Canvas, cadence, now_ms: int, color: RGB):
    canvas.fill(color if lit(cadence, now_ms) else BLACK)
    return next_edge(cadence, now_ms)


def _text_fits(canvas: Canvas, text: str) -> bool:
    return canvas.h >= font.HEIGHT + 2 and canvas.w >= font.text_width(text) + 2


def _text(canvas: Canvas, text: str, color: RGB) -> None:
    """Centre text at the largest integer scale that fits inside a one-pixel border."""
    scale = max(1, min((canvas.h - 2) // font.HEIGHT, (canvas.w - 2) // font.text_width(text)))
    x0 = (canvas.w - font.text_width(text) * scale) // 2
    y0 = (canvas.h - font.HEIGHT * scale) // 2
    for x, y in font.text_pixels(text):
        for dx in range(scale):
            for dy in range(scale):
                canvas.set(x0 + x * scale + dx, y0 + y * scale + dy, color)


def _border(canvas: Canvas, color: RGB, depth: int = 1) -> None:
    if canvas.h == 1:
        canvas.span(0, depth, color)
        canvas.span(canvas.w - depth, canvas.w, color)
        return
    for x in range(canvas.w):
        for y in range(canvas.h):
            if min(x, y, canvas.w - 1 - x, canvas.h - 1 - y) < depth:
                canvas.set(x, y, color)


def _middle_fifth(canvas: Canvas, color: RGB) -> None:
    canvas.span(canvas.w * 2 // 5, max(canvas.w * 3 // 5, canvas.w * 2 // 5 + 1), color)


def _blocks(canvas: Canvas, a: RGB, b: RGB, size: int, diagonal: bool) -> None:
    for y in range(canvas.h):
        for x in range(canvas.w):
            k = (x + y) // size if diagonal else x // size + y // size
            canvas.set(x, y, a if k % 2 == 0 else b)


def none(canvas, now_ms, table, extra):
    canvas.fill(BLACK)


def green(canvas, now_ms, table, extra):
    canvas.fill(GREEN)


def white(canvas, now_ms, table, extra):
    canvas.fill(WHITE)


def red(canvas, now_ms, table, extra):
    canvas.fill(RED)


def yellow(canvas, now_ms, table, extra):
    """Halves alternating: left half in the lit step, right half in the dark one."""
    cadence = table["yellow"]
    canvas.fill(BLACK)
    half = max(1, canvas.w // 2)
    if lit(cadence, now_ms):
        canvas.span(0, half, YELLOW)
    else:
        canvas.span(half, canvas.w, YELLOW)
    return next_edge(cadence, now_ms)


def double_yellow(canvas, now_ms, table, extra):
    return _flash(canvas, table["double_yellow"], now_ms, YELLOW)


def fcy(canvas, now_ms, table, extra):
    return _flash(canvas, table["fcy"], now_ms, YELLOW)


def slippery(canvas, now_ms, table, extra):
    _blocks(canvas, YELLOW, RED, 2 if canvas.h > 1 else max(1, canvas.w // 10), diagonal=True)


def checkered(canvas, now_ms, table, extra):
    _blocks(canvas, WHITE, BLACK, 2 if canvas.h > 1 else max(1, canvas.w // 10), diagonal=False)


def blue(canvas, now_ms, table, extra):
    """Blue flashing; on a matrix the number of a car shown the blue flag stays steady."""
    edge = _flash(canvas, table["blue"], now_ms, BLUE)
    number = extra.get("number")
    if number and _text_fits(canvas, number):
        _text(canvas, number, WHITE)
    return edge


def _neutralised(canvas, now_ms, cadence, text):
    """SC and VSC: the word on a matrix inside a flashing yellow border; on a strip,
    yellow flashing around a steady white bar."""
    on = lit(cadence, now_ms)
    if _text_fits(canvas, text):
        canvas.fill(BLACK)
        if on:
            _border(canvas, YELLOW)
        _text(canvas, text, WHITE)
    else:
        canvas.fill(YELLOW if on else BLACK)
        _middle_fifth(canvas, WHITE)
    return next_edge(cadence, now_ms)


def sc(canvas, now_ms, table, extra):
    return _neutralised(canvas, now_ms, table["sc"], "SC")


def vsc(canvas, now_ms, table, extra):
    return _neutralised(canvas, now_ms, table["vsc"], "VSC")


def code60(canvas, now_ms, table, extra):
    """Magenta with "60" on a matrix, else magenta with a white cross (its middle on a strip)."""
    canvas.fill(MAGENTA)
    if _text_fits(canvas, "60"):
        _text(canvas, "60", WHITE)
    elif canvas.h > 1:
        for x in range(canvas.w):
            y = x * (canvas.h - 1) // max(1, canvas.w - 1)
            canvas.set(x, y, WHITE)
            canvas.set(x, canvas.h - 1 - y, WHITE)
    else:
        _middle_fifth(canvas, WHITE)


def not_live(canvas, now_ms, table, extra):
    """A dim blue border blinking briefly: unmistakably neither green nor a flag."""
    cadence = table["not_live"]
    canvas.fill(BLACK)
    if lit(cadence, now_ms):
        _border(canvas, DIM_BLUE, depth=max(1, canvas.w // 10) if canvas.h == 1 else 1)
    return next_edge(cadence, now_ms)


def _light_spans(canvas: Canvas):
    """Column ranges of the five start lights, one column apart when there is room."""
    gap = 1 if canvas.w >= 2 * START_LIGHTS else 0
    width = max(1, (canvas.w - gap * (START_LIGHTS - 1)) // START_LIGHTS)
    left = max(0, (canvas.w - START_LIGHTS * width - gap * (START_LIGHTS - 1)) // 2)
    return [(left + k * (width + gap), left + k * (width + gap) + width)
            for k in range(START_LIGHTS)]


def start_lights(canvas: Canvas, count: int, color: RGB) -> None:
    canvas.fill(BLACK)
    for x0, x1 in _light_spans(canvas)[:count]:
        canvas.span(x0, x1, color)


def aborted(canvas, now_ms, table, extra):
    cadence = table["aborted"]
    start_lights(canvas, START_LIGHTS if lit(cadence, now_ms) else 0, ORANGE)
    return next_edge(cadence, now_ms)


def pit_exit(canvas, now_ms, table, extra):
    """Red or green over four fifths; the last fifth flashes blue when cars approach."""
    canvas.fill(BLACK)
    split = canvas.w * 4 // 5 if extra.get("warning") else canvas.w
    canvas.span(0, split, RED if extra.get("closed") else GREEN)
    if not extra.get("warning"):
        return None
    cadence = table["pit_blue"]
    if lit(cadence, now_ms):
        canvas.span(split, canvas.w, BLUE)
    return next_edge(cadence, now_ms)


SECTOR_PATTERNS = {
    "none": none, "green": green, "yellow": yellow, "double_yellow": double_yellow,
    "slippery": slippery, "white": white, "blue": blue, "red": red, "sc": sc, "vsc": vsc,
    "fcy": fcy, "code60": code60, "checkered": checkered, "not_live": not_live,
}


# -- per-car flags (start-line matrix only; see render._resolve_start) -----------------

def _car_text_scale(canvas_w: int, canvas_h: int, number: str) -> int:
    return max(1, min((canvas_h - 2) // font.HEIGHT, (canvas_w - 2) // font.text_width(number)))


def car_flag_fits(layout, number: str) -> bool:
    """Whether a matrix can draw this car's number legibly (inside a one-pixel border)."""
    return (layout.kind == "matrix" and bool(number) and layout.height >= font.HEIGHT + 2
            and layout.width >= font.text_width(number) + 2)


def _text_at(canvas: Canvas, text: str, x0: int, y0: int, scale: int, color: RGB) -> None:
    for x, y in font.text_pixels(text):
        for dx in range(scale):
            for dy in range(scale):
                canvas.set(x0 + x * scale + dx, y0 + y * scale + dy, color)


def _plate(canvas: Canvas, x0: int, y0: int, x1: int, y1: int, color: RGB) -> None:
    """Fill the rectangle [x0, x1) x [y0, y1)."""
    for y in range(y0, y1):
        for x in range(x0, x1):
            canvas.set(x, y, color)


def _disc(canvas: Canvas, x0: int, y0: int, d: int, color: RGB) -> None:
    r2 = (d / 2) ** 2
    for y in range(d):
        for x in range(d):
            if (x + 0.5 - d / 2) ** 2 + (y + 0.5 - d / 2) ** 2 <= r2:
                canvas.set(x0 + x, y0 + y, color)


def car_black(canvas: Canvas, number: str) -> None:
    """Black flag (disqualified): the number in white on black inside a white border."""
    canvas.fill(BLACK)
    _border(canvas, WHITE)
    _text(canvas, number, WHITE)


def car_black_orange(canvas: Canvas, number: str) -> None:
    """Black with an orange disc (mechanical problem). The disc fills the height and the
    number stands beside it in white; where the panel is too narrow for both, the number is
    drawn over the disc in white with a black outline, still legible."""
    canvas.fill(BLACK)
    d = canvas.h
    scale = _car_text_scale(canvas.w - d - 2, canvas.h, number) if canvas.w > d + 4 else 1
    tw, th = font.text_width(number) * scale, font.HEIGHT * scale
    gap = 2
    if d + gap + tw + 2 <= canvas.w:
        x0 = (canvas.w - (d + gap + tw)) // 2
        _disc(canvas, x0, 0, d, ORANGE)
        _text_at(canvas, number, x0 + d + gap, (canvas.h - th) // 2, scale, WHITE)
        return
    _disc(canvas, (canvas.w - d) // 2, 0, d, ORANGE)
    scale = _car_text_scale(canvas.w, canvas.h, number)
    tw, th = font.text_width(number) * scale, font.HEIGHT * scale
    tx, ty = (canvas.w - tw) // 2, (canvas.h - th) // 2
    lit_px = {(tx + x * scale + dx, ty + y * scale + dy) for x, y in font.text_pixels(number)
              for dx in range(scale) for dy in range(scale)}
    for x, y in lit_px:
        for ox in (-1, 0, 1):
            for oy in (-1, 0, 1):
                canvas.set(x + ox, y + oy, BLACK)
    for x, y in lit_px:
        canvas.set(x, y, WHITE)


def car_black_white(canvas: Canvas, number: str) -> None:
    """Black/white divided diagonally (unsporting behaviour warning): black above the
    diagonal from bottom left to top right, white below it. The number, in white, sits in
    the black half's corner when it fits there with a clear column beside it; otherwise in
    the middle on a black plate, so it never straddles the two halves."""
    w, h = canvas.w, canvas.h

    def black_at(x, y):
        return (x + 0.5) * h + (y + 0.5) * w <= w * h

    for y in range(h):
        for x in range(w):
            canvas.set(x, y, BLACK if black_at(x, y) else WHITE)
    scale = _car_text_scale(w, h, number)
    tw, th = font.text_width(number) * scale, font.HEIGHT * scale
    ty = (h - th) // 2
    if black_at(1 + tw, ty + th - 1):  # the text's lower right corner plus one column
        _text_at(canvas, number, 1, ty, scale, WHITE)
        return
    tx = (w - tw) // 2
    _plate(canvas, tx - 1, ty - 1, tx + tw + 1, ty + th + 1, BLACK)
    _text_at(canvas, number, tx, ty, scale, WHITE)


CAR_PATTERNS = {"black": car_black, "black_orange": car_black_orange,
                "black_white": car_black_white}


def car_flag(canvas: Canvas, flag: str, number: str) -> None:
    CAR_PATTERNS[flag](canvas, number)
