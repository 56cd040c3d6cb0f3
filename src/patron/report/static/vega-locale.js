// Patron's chart options: Vega draws dates and numbers in the page's language (month and
// day names in Chinese on a Chinese page). Written for Patron; the names are the standard ones.
(function () {
  var ZH_TIME = {
    dateTime: "%x %A %X",
    date: "%Y年%-m月%-d日",
    time: "%H:%M:%S",
    periods: ["上午", "下午"],
    days: ["星期日", "星期一", "星期二", "星期三", "星期四", "星期五", "星期六"],
    shortDays: ["周日", "周一", "周二", "周三", "周四", "周五", "周六"],
    months: ["一月", "二月", "三月", "四月", "五月", "六月", "七月", "八月", "九月", "十月",
             "十一月", "十二月"],
    shortMonths: ["1月", "2月", "3月", "4月", "5月", "6月", "7月", "8月", "9月", "10月",
                  "11月", "12月"]
  };
  var ZH_NUMBER = { decimal: ".", thousands: ",", grouping: [3], currency: ["¥", ""] };
  window.patronChartOptions = function () {
    var options = { actions: false, renderer: "svg" };
    var lang = (document.documentElement.getAttribute("lang") || "").toLowerCase();
    if (lang.indexOf("zh") === 0) {
      options.timeFormatLocale = ZH_TIME;
      options.formatLocale = ZH_NUMBER;
    }
    return options;
  };
})();
