package io.cdcpipeline.analytics;

import java.time.LocalDate;

/** (article, day): the grain of {@code analytics.article_daily_stats}; as a Kafka key {@code <article>|<yyyy-mm-dd>}. */
record DayKey(long articleId, LocalDate day) {

    String text() {
        return articleId + "|" + day;
    }

    static DayKey parse(String text) {
        int bar = text.indexOf('|');
        return new DayKey(Long.parseLong(text.substring(0, bar)), LocalDate.parse(text.substring(bar + 1)));
    }
}
