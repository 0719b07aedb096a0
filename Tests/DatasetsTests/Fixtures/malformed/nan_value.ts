@problemName NaN
@univariate true
@classLabel true a b
@data
1,2,3,4:a
1,NaN,3,4:b
