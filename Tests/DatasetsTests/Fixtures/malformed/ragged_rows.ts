@problemName Ragged
@univariate true
@equalLength true
@seriesLength 3
@classLabel true a b
@data
1,2,3:a
1,2,3,4:b
