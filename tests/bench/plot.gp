# The plot of docs/PERFORMANCE.md: median cost per call or round trip of
# each variant, from the data report.py writes. Run: gnuplot -e "dir='build/bench'" plot.gp
set terminal pngcairo noenhanced size 1200,560 font "sans,10"
set output dir."/performance.png"
set datafile missing "?"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set grid ytics
set key below
set yrange [0:*]
set multiplot layout 1,2 title "chaos-shim beside native calls and peers (median of interleaved runs)"
set title "clock calls"
set ylabel "ns per call"
plot for [i=2:6] dir."/plot-clock.dat" using i:xtic(1) title columnheader(i)
set title "64-byte round trips"
set ylabel "ns per round trip"
plot for [i=2:7] dir."/plot-net.dat" using i:xtic(1) title columnheader(i)
unset multiplot
