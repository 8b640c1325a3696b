"""How the queue's cells are drawn: the result beside its portrait, and two-line cells.

A finished job shows the first frame of its video with the small input portrait beside
it; an unfinished one an empty frame box. The prompt and state cells have a second, quieter
line (the settings; what the job is doing) and the state cell a thin bar when there is
something to measure: a real percentage (uploads, downloads) or, drawn lighter and said
"about" in its text, the time so far against the usual job time.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QIcon, QPainter, QPalette, QPen, QPixmap, QPolygonF
from PySide6.QtWidgets import QApplication, QStyle, QStyledItemDelegate, QStyleOptionViewItem

from app.ui.queue_model import (
    PENDING,
    PORTRAIT,
    ROW_HEIGHT,
    THUMB_HEIGHT,
    BarRole,
    DetailRole,
    ExpandedRole,
    FrameRole,
    GroupRole,
    KeptRole,
)
from app.ui.theme import tone_color

THUMB_WIDTH = THUMB_HEIGHT + PORTRAIT + 16
ARROW_X = 16  # the centre of a header row's arrow from the cell's left edge
STAR = "★"


def _background(painter: QPainter, option: QStyleOptionViewItem, index) -> None:
    opt = QStyleOptionViewItem(option)
    opt.text, opt.icon = "", QIcon()
    brush = index.data(Qt.ItemDataRole.BackgroundRole)
    if isinstance(brush, QBrush):  # a batch's header row
        opt.backgroundBrush = brush
    style = option.widget.style() if option.widget else QApplication.style()
    style.drawPrimitive(QStyle.PrimitiveElement.PE_PanelItemViewItem, opt, painter, option.widget)


def _text_color(option: QStyleOptionViewItem, muted: bool = False) -> QColor:
    pal = option.palette
    if option.state & QStyle.StateFlag.State_Selected:
        color = QColor(pal.color(QPalette.ColorRole.HighlightedText))
        if muted:
            color.setAlphaF(0.8)
        return color
    if muted:
        return tone_color("muted", pal)
    return pal.color(QPalette.ColorRole.Text)


def _fit(pix: QPixmap, box: QRect) -> QRect:
    size = (
        pix.deviceIndependentSize().toSize().scaled(box.size(), Qt.AspectRatioMode.KeepAspectRatio)
    )
    return QRect(
        box.x() + (box.width() - size.width()) // 2,
        box.y() + (box.height() - size.height()) // 2,
        size.width(),
        size.height(),
    )


class ThumbDelegate(QStyledItemDelegate):
    """The result's first frame (or an empty box) and the portrait beside it."""

    def paint(self, painter: QPainter, option, index) -> None:
        _background(painter, option, index)
        expanded = index.data(ExpandedRole)
        if expanded is not None:
            self._arrow(painter, option, bool(expanded))
            return
        r = option.rect
        if index.data(GroupRole):  # a batch's job: a rail down the left edge joins them
            rail = QColor(option.palette.color(QPalette.ColorRole.Highlight))
            rail.setAlphaF(0.45)
            painter.fillRect(QRect(r.x(), r.y(), 3, r.height()), rail)
        box = QRect(r.x() + 6, r.y() + (r.height() - THUMB_HEIGHT) // 2, THUMB_HEIGHT, THUMB_HEIGHT)
        frame = index.data(FrameRole)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        if isinstance(frame, QPixmap) and not frame.isNull():
            painter.drawPixmap(_fit(frame, box), frame)
        else:
            pen = QPen(option.palette.color(QPalette.ColorRole.Mid), 1, Qt.PenStyle.DashLine)
            painter.setPen(pen)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRoundedRect(QRectF(box).adjusted(0.5, 0.5, -0.5, -0.5), 3, 3)
            if frame is PENDING:
                painter.fillRect(
                    box.adjusted(2, 2, -2, -2), option.palette.color(QPalette.ColorRole.Midlight)
                )
        side = QRect(box.right() + 6, box.bottom() - PORTRAIT + 1, PORTRAIT, PORTRAIT)
        portrait = index.data(Qt.ItemDataRole.DecorationRole)
        if isinstance(portrait, QPixmap) and not portrait.isNull():
            painter.drawPixmap(_fit(portrait, side), portrait)
        elif isinstance(portrait, QIcon):
            portrait.paint(painter, side.adjusted(4, 4, -4, -4))
        painter.restore()

    @staticmethod
    def _arrow(painter: QPainter, option, expanded: bool) -> None:
        """A header row's expand/collapse arrow (click it, or Left/Right)."""
        r = option.rect
        c = QPointF(r.x() + ARROW_X, r.center().y() + 0.5)
        s = 5.0
        if expanded:  # pointing down
            points = [c + QPointF(-s, -s / 2), c + QPointF(s, -s / 2), c + QPointF(0, s / 2 + 1)]
        else:  # pointing right
            points = [c + QPointF(-s / 2, -s), c + QPointF(-s / 2, s), c + QPointF(s / 2 + 1, 0)]
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(_text_color(option))
        painter.drawPolygon(QPolygonF(points))
        painter.restore()

    def sizeHint(self, option, index) -> QSize:  # noqa: N802 - Qt API
        return QSize(THUMB_WIDTH, ROW_HEIGHT)


class TwoLineDelegate(QStyledItemDelegate):
    """A main line (with the icon, if any) over a quieter second line and an optional bar."""

    def paint(self, painter: QPainter, option, index) -> None:
        _background(painter, option, index)
        r = option.rect.adjusted(6, 4, -6, -4)
        painter.save()
        x = r.x()
        icon = index.data(Qt.ItemDataRole.DecorationRole)
        line = option.fontMetrics.height()
        if isinstance(icon, QIcon) and not icon.isNull():
            icon.paint(painter, QRect(x, r.y() + (line - 16) // 2 + 2, 16, 16))
            x += 22
        font = index.data(Qt.ItemDataRole.FontRole)
        font = font if isinstance(font, QFont) else option.font
        painter.setFont(font)
        if index.data(KeptRole):  # the kept take: a star before its prompt
            star_font = QFont(font)
            star_font.setPointSizeF(font.pointSizeF() * 1.35)
            painter.setFont(star_font)
            selected = option.state & QStyle.StateFlag.State_Selected
            painter.setPen(_text_color(option) if selected else tone_color("badge", option.palette))
            painter.drawText(
                QRect(x, r.y(), line + 2, line + 4), Qt.AlignmentFlag.AlignCenter, STAR
            )
            painter.setFont(font)
            x += line + 4
        main = QRect(x, r.y() + 2, r.right() - x, line)
        text = painter.fontMetrics().elidedText(
            index.data() or "", Qt.TextElideMode.ElideRight, main.width()
        )
        painter.setPen(_text_color(option))
        painter.drawText(main, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, text)

        detail = index.data(DetailRole) or ""
        bar = index.data(BarRole)
        small = QApplication.font(option.widget)
        small.setPointSizeF(max(7.0, small.pointSizeF() * 0.88))
        painter.setFont(small)
        fm = painter.fontMetrics()
        second = QRect(x, main.bottom() + 2, r.right() - x, fm.height())
        painter.setPen(_text_color(option, muted=True))
        painter.drawText(
            second,
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            fm.elidedText(detail, Qt.TextElideMode.ElideRight, second.width()),
        )
        if bar is not None:
            self._bar(painter, option, QRect(x, second.bottom() + 3, second.width(), 4), *bar)
        painter.restore()

    @staticmethod
    def _bar(painter: QPainter, option, rect: QRect, fraction: float, estimate: bool) -> None:
        if rect.bottom() > option.rect.bottom():
            return
        pal = option.palette
        track = QColor(pal.color(QPalette.ColorRole.Mid))
        track.setAlphaF(0.35)
        fill = QColor(pal.color(QPalette.ColorRole.Highlight))
        if option.state & QStyle.StateFlag.State_Selected:
            fill = QColor(pal.color(QPalette.ColorRole.HighlightedText))
        if estimate:  # lighter: time against the usual range, not work done
            fill.setAlphaF(0.55)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(track)
        painter.drawRoundedRect(QRectF(rect), 2, 2)
        done = QRectF(rect)
        done.setWidth(rect.width() * max(0.0, min(1.0, fraction)))
        painter.setBrush(fill)
        painter.drawRoundedRect(done, 2, 2)

    def sizeHint(self, option, index) -> QSize:  # noqa: N802 - Qt API
        hint = super().sizeHint(option, index)
        return QSize(hint.width(), ROW_HEIGHT)
